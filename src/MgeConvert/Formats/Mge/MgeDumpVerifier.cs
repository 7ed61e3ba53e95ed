namespace MgeConvert.Formats.Mge;

/// <summary>
/// Structural verification of the FBS v1 <c>Graph</c> and FBS v2 <c>Model</c> roots (every table, vector
/// and string the reader may touch), field ids as in docs/mge-format.md §3.3 and §4.2.
/// </summary>
internal static class MgeDumpVerifier
{
    private const byte TagDimshuffle = 64;
    private const byte TagAxisAddRemove = 65;
    private const byte TagIndexDescMaskDump = 66;
    private const byte TagDType = 67;

    public static void VerifyGraphV1(FlatBufferChecker c)
    {
        var graph = c.Root("Graph").Scalar(0, 4, "mgb_version").Scalar(1, 8, "hash").Scalar(2, 4, "nr_shared_tensor");
        c.Tables(graph, 3, "oprs", OperatorV1);
        c.Vector(graph, 4, 8, "output_vars_idx");
        if (c.SubTable(graph, 5, "metadata") is { } meta)
        {
            meta.Scalar(0, 1, "is_valid").Scalar(1, 1, "graph_modified").String(2, "user_info").Scalar(3, 8, "optimize_options");
        }
    }

    public static void VerifyModelV2(FlatBufferChecker c)
    {
        var model = c.Root("Model").Scalar(0, 4, "mge_version").Scalar(1, 4, "model_version").Scalar(6, 4, "nr_shared_tensor");
        c.Tables(model, 2, "oprs", OperatorV2);
        c.Tables(model, 3, "middle_tensors", t => TensorV2(t, hasData: false));
        c.Tables(model, 4, "output_vars_idx", t => t.Scalar(0, 4, "compact_id").Scalar(1, 4, "original_id"));
        c.Tables(model, 5, "output_alias", t => t.Scalar(0, 4, "id").String(1, "name"));
        if (c.SubTable(model, 7, "metadata") is { } meta)
        {
            meta.Scalar(0, 1, "is_valid").Scalar(1, 1, "graph_modified").Scalar(2, 8, "optimize_options").String(3, "user_info");
        }
    }

    private static void OperatorV1(CheckedTable op)
    {
        var c = op.Checker;
        op.Scalar(0, 8, "type_id").Vector(3, 4, "inputs").Scalar(8, 4, "priority").String(12, "name");
        Param(c.Union(op, 1, "param"));
        c.Tables(op, 4, "comp_node", CompNode);
        c.Strings(op, 5, "output_name");
        DTypeField(op, 6, "output_dtype");
        c.Tables(op, 7, "tensors", t =>
        {
            t.String(0, "name").Vector(1, 4, "shape").Scalar(4, 4, "data_size").Scalar(5, 4, "offset");
            CompNodeField(t, 2);
            DTypeField(t, 3, "dtype");
        });
        c.Tables(op, 9, "blobs", b => b.Vector(0, 1, "data"));
        c.Unions(op, 10, "additional_params", (tag, t) => Param((tag, t)));
    }

    private static void OperatorV2(CheckedTable op)
    {
        var c = op.Checker;
        op.String(0, "type").Scalar(1, 8, "type_id").String(2, "name").Vector(7, 4, "inputs").Vector(8, 4, "outputs")
            .Scalar(12, 4, "opr_version").Scalar(13, 4, "priority");
        Param(c.Union(op, 3, "param"));
        c.Unions(op, 5, "additional_params", (tag, t) => Param((tag, t)));
        c.Tables(op, 9, "comp_node", CompNode);
        DTypeField(op, 10, "output_dtype");
        c.Tables(op, 11, "tensors", t => TensorV2(t, hasData: true));
        c.Tables(op, 14, "custom_data", b => b.Vector(0, 1, "data"));
    }

    private static void TensorV2(CheckedTable t, bool hasData)
    {
        t.String(0, "name").Vector(1, 4, "shape");
        CompNodeField(t, 2);
        DTypeField(t, 3, "dtype");
        t.Checker.Union(t, 4, "format");
        if (hasData)
        {
            t.Vector(6, 1, "data");
        }
    }

    private static void CompNode(CheckedTable t) => t.String(0, "logical_locator");

    private static void CompNodeField(CheckedTable t, int id)
    {
        if (t.Checker.SubTable(t, id, "comp_node") is { } cn)
        {
            CompNode(cn);
        }
    }

    private static void DTypeField(CheckedTable t, int id, string what)
    {
        if (t.Checker.SubTable(t, id, what) is { } dtype)
        {
            DType(dtype);
        }
    }

    private static void DType(CheckedTable dtype)
    {
        dtype.Scalar(0, 1, "type");
        if (dtype.Checker.Union(dtype, 1, "param").Table is { } q)
        {
            q.Scalar(0, 4, "scale").Scalar(1, 1, "zero_point");
        }
    }

    private static void Param((byte Tag, CheckedTable? Table) param)
    {
        if (param.Table is not { } t)
        {
            return;
        }

        switch (param.Tag)
        {
            case TagDimshuffle:
                t.Vector(0, 4, "pattern").Scalar(1, 4, "ndim");
                break;
            case TagAxisAddRemove:
                t.Vector(0, 8, "desc");
                break;
            case TagIndexDescMaskDump:
                t.Vector(0, 5, "items");
                break;
            case TagDType:
                DType(t);
                break;
        }
    }
}
