using MgeConvert.Formats.TFLite.Schema;
using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Formats.TFLite;

internal sealed partial class TFLiteLowering
{
    /// <summary>
    /// GatherElements with constant indices: a GATHER on the flattened input at precomputed flat positions,
    /// reshaped to the index shape.
    /// </summary>
    private void LowerGatherElements(Node node, GatherElements g)
    {
        var x = node.Input(0);
        var indices = node.Input(1);
        if (!indices.IsConstant || !x.Shape.IsStatic)
        {
            throw new NotExpressibleException("GatherElements needs constant indices and a static input shape");
        }

        var rank = x.Shape.Rank;
        var axis = ShapeMath.Axis(g.Axis, rank);
        var xDims = x.Shape.ToArray();
        var idxDims = indices.Shape.ToArray();
        var xStrides = new long[rank];
        var stride = 1L;
        for (var d = rank - 1; d >= 0; d--)
        {
            xStrides[d] = stride;
            stride *= xDims[d];
        }

        var idx = indices.Constant!.ToInt64s();
        var flat = new int[idx.Length];
        for (var p = 0; p < idx.Length; p++)
        {
            var rest = (long)p;
            var offset = 0L;
            for (var d = rank - 1; d >= 0; d--)
            {
                var coord = rest % idxDims[d];
                rest /= idxDims[d];
                if (d == axis)
                {
                    coord = idx[p] < 0 ? idx[p] + xDims[d] : idx[p];
                    if (coord < 0 || coord >= xDims[d])
                    {
                        throw new NotExpressibleException($"index {idx[p]} out of range for axis {axis} of {x.Shape}");
                    }
                }

                offset += coord * xStrides[d];
            }

            flat[p] = checked((int)offset);
        }

        var input = Get(x, Layout.Ir);
        var flatInput = Temp($"{node.Name}_flat", input, [checked((int)stride)]);
        Reshape(input, flatInput);
        var positions = _b.AddInt32Constant($"{indices.Name}_flat", [flat.Length], flat);
        var output = Output(node.Output, Layout.Ir);
        var gathered = Temp($"{node.Name}_gathered", output, [flat.Length]);
        _b.AddOperator(BuiltinOperator.GATHER, [flatInput.Index, positions.Index], [gathered.Index], BuiltinOptions.GatherOptions,
            fb => GatherOptions.CreateGatherOptions(fb, 0).Value);
        Reshape(gathered, output);
    }
}
