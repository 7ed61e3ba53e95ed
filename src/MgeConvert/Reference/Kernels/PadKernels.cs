using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Reference.Kernels;

/// <summary>Pad in constant, reflect (mirror without repeating the edge) and edge modes; negative pads crop.</summary>
internal static class PadKernels
{
    public static void Register(KernelTable table) => table.Add<Pad>(Pad);

    private static Tensor[] Pad(Pad op, KernelContext context)
    {
        var x = context.Input(0);
        var dims = x.Shape.ToArray();
        var strides = Indexing.Strides(dims);
        var rank = dims.Length;
        var outDims = dims.Select((d, i) => d + op.Pads[i] + op.Pads[i + rank]).ToArray();
        var offsets = new long[rank][];
        for (var axis = 0; axis < rank; axis++)
        {
            offsets[axis] = new long[outDims[axis]];
            for (var o = 0; o < outDims[axis]; o++)
            {
                var i = SourceIndex(o - op.Pads[axis], dims[axis], op.Mode);
                offsets[axis][o] = i < 0 ? -1 : i * strides[axis];
            }
        }

        var fill = TensorValues.FromReals(x.DType, [], [op.ConstantValue]);
        return [context.Conform(Indexing.TakeOrFill(x, outDims, Indexing.Separable(outDims, offsets), fill))];
    }

    /// <summary>The input position read at padded position <paramref name="i"/>, or -1 for the constant.</summary>
    private static long SourceIndex(long i, long length, PadMode mode)
    {
        if (i >= 0 && i < length)
        {
            return i;
        }

        switch (mode)
        {
            case PadMode.Edge:
                return length == 0 ? -1 : Math.Clamp(i, 0, length - 1);
            case PadMode.Reflect when length > 1:
                var period = 2 * (length - 1);
                var m = ((i % period) + period) % period;
                return m < length ? m : period - m;
            case PadMode.Reflect:
                return length == 1 ? 0 : -1;
            default:
                return -1;
        }
    }
}
