using MgeConvert.Formats.Caffe.Proto;
using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Formats.Caffe;

/// <summary>Gather with constant indices: a Slice layer splits the axis into single rows, a Concat picks them in index order.</summary>
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

        var name = node.Output.Name;
        var rows = new string[length];
        if (length == 1)
        {
            rows[0] = Blob(node.Input(0));
        }
        else
        {
            for (var i = 0; i < length; i++)
            {
                rows[i] = TempBlob($"{name}/row{i}");
            }

            var slice = Extra(node, "rows", "Slice", [Blob(node.Input(0))], rows);
            slice.SliceParam = new SliceParameter { Axis = axis };
            slice.SliceParam.SlicePoint.AddRange(Enumerable.Range(1, (int)length - 1).Select(i => (uint)i));
            var unused = rows.Where((_, i) => !indices.Contains(i)).ToList();
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
