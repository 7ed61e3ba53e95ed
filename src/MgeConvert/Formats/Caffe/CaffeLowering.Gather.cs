using MgeConvert.Formats.Caffe.Proto;
using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Formats.Caffe;

/// <summary>Gathers with constant indices: a Slice layer splits the axis into single rows, a Concat picks them in index order.</summary>
internal sealed partial class CaffeLowering
{
    /// <summary>Upper bound on the rows a gathered axis is split into.</summary>
    private const long MaxGatherRows = 4096;

    private void LowerGather(Node node, Gather gather)
    {
        if (node.Input(1).Constant is not { } indexTensor)
        {
            throw new NotExpressibleException("Caffe can only gather at constant indices");
        }

        var shape = StaticShape(node.Input(0));
        var axis = ShapeMath.Axis(gather.Axis, shape.Length);
        var length = shape[axis];
        var indices = indexTensor.ToInt64s().Select(i => i < 0 ? i + length : i).ToArray();
        if (indices.Length == 0 || indices.Any(i => i < 0 || i >= length) || length > MaxGatherRows)
        {
            throw new NotExpressibleException($"gather indices [{string.Join(",", indexTensor.ToInt64s().Take(8))}...] do not pick 1..{MaxGatherRows} rows of an axis of length {length}");
        }

        EmitGatherRows(node, Blob(node.Input(0)), axis, length, indices);
    }

    /// <summary>GatherElements with constant indices: a Gather of the flattened input at the flattened positions.</summary>
    private void LowerGatherElements(Node node, GatherElements gather)
    {
        if (node.Input(1).Constant is not { } indexTensor)
        {
            throw new NotExpressibleException("Caffe can only gather at constant indices");
        }

        var shape = StaticShape(node.Input(0));
        var indexShape = indexTensor.Shape.ToArray();
        var axis = ShapeMath.Axis(gather.Axis, shape.Length);
        var total = shape.Aggregate(1L, (p, d) => p * d);
        if (total > MaxGatherRows || indexShape.Length != shape.Length)
        {
            throw new NotExpressibleException($"Caffe gathers elements of at most {MaxGatherRows} with an index of the input's rank, got {node.Input(0).Shape} and {indexTensor.Shape}");
        }

        var indices = indexTensor.ToInt64s();
        var flat = new long[indices.Length];
        var position = new long[shape.Length];
        for (var e = 0; e < indices.Length; e++)
        {
            var rest = (long)e;
            for (var d = shape.Length - 1; d >= 0; d--)
            {
                position[d] = rest % indexShape[d];
                rest /= indexShape[d];
            }

            var index = indices[e] < 0 ? indices[e] + shape[axis] : indices[e];
            if (index < 0 || index >= shape[axis] || position.Where((p, d) => d != axis && p >= shape[d]).Any())
            {
                throw new NotExpressibleException($"gather index {indices[e]} at element {e} is outside the input {node.Input(0).Shape}");
            }

            position[axis] = index;
            flat[e] = position.Select((p, d) => p * shape[(d + 1)..].Aggregate(1L, (q, x) => q * x)).Sum();
        }

        var elements = TempBlob($"{node.Output.Name}/elements");
        Extra(node, "elements", "Reshape", [Blob(node.Input(0))], [elements]).ReshapeParam = new ReshapeParameter { Shape = Shape([total]) };
        EmitGatherRows(node, elements, 0, total, flat);
    }

    private void EmitGatherRows(Node node, string input, int axis, long length, long[] indices)
    {
        var name = node.Output.Name;
        var rows = new string[length];
        if (length == 1)
        {
            rows[0] = input;
        }
        else
        {
            for (var i = 0; i < length; i++)
            {
                rows[i] = TempBlob($"{name}/row{i}");
            }

            var slice = Extra(node, "rows", "Slice", [input], rows);
            slice.SliceParam = new SliceParameter { Axis = axis };
            slice.SliceParam.SlicePoint.AddRange(Enumerable.Range(1, (int)length - 1).Select(i => (uint)i));
            var used = indices.ToHashSet();
            var unused = rows.Where((_, i) => !used.Contains(i)).ToList();
            if (unused.Count > 0)
            {
                Extra(node, "silence", "Silence", unused, []);
            }
        }

        var picked = TempBlob($"{name}/picked");
        Extra(node, "pick", "Concat", indices.Select(i => rows[i]), [picked]).ConcatParam = new ConcatParameter { Axis = axis };
        Main(node, "Reshape", [picked], [Define(node.Output)]).ReshapeParam = ReshapeTo(StaticShape(node.Output));
    }
}
