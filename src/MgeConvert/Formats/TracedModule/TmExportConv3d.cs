using MgeConvert.Formats.Pickle;
using MgeConvert.Ir;
using static MgeConvert.Formats.TracedModule.TmExportContext;

namespace MgeConvert.Formats.TracedModule;

/// <summary>
/// 3-D convolution as a sum of 2-D ones: for each depth tap i, the depth slices it reads (stride and dilation
/// applied) are folded into the batch and convolved with the kernel plane W[:, :, i] by a Conv2d module.
/// </summary>
internal static class TmExportConv3d
{
    public static void Write(TmExportContext c, Ir.Ops.Conv op, Tensor weight, Tensor? bias)
    {
        var x = c.In(0);
        var shape = c.InShape(0);
        var outShape = c.OutShape();
        var (n, channels, depth) = (shape[0], shape[1], shape[2]);
        var (o, outDepth) = (outShape[1], outShape[2]);
        var (kd, sd, dd) = (weight.Shape[2], op.Strides[0], op.Dilations[0]);
        var (padFront, padBack) = (op.Pads[0], op.Pads[3]);
        if (padFront > 0 || padBack > 0)
        {
            depth += padFront + padBack;
            var widths = new List<TmArg> { TmArg.Tuple([0, 0]), TmArg.Tuple([0, 0]), TmArg.Tuple([padFront, padBack]), TmArg.Tuple([0, 0]), TmArg.Tuple([0, 0]) };
            x = c.Fn(Nn, "pad", c.TempLike([n, channels, depth, shape[3], shape[4]]), x, new TmSeq(TmPy.TupleClass, widths), "constant", 0.0);
        }

        long[] depthMajor = [n, depth, channels, shape[3], shape[4]];
        x = c.Fn(TensorFns, "transpose", c.TempLike(depthMajor), x, TmArg.Tuple([0, 2, 1, 3, 4]));
        long[] folded = [n * outDepth, channels, shape[3], shape[4]];
        long[] planeOut = [n * outDepth, o, outShape[3], outShape[4]];
        PyObject? sum = null;
        for (var i = 0L; i < kd; i++)
        {
            var start = i * dd;
            var taps = c.Method("__getitem__", c.TempLike([n, outDepth, channels, shape[3], shape[4]]), x,
                new TmSeq(TmPy.TupleClass, [TmArg.Slice(null, null, null), TmArg.Slice(start, start + (sd * (outDepth - 1)) + 1, sd == 1 ? null : sd)]));
            var plane = c.Method("reshape", c.TempLike(folded), taps, TmArg.List(folded));
            var (padded, padding) = TmExportNn.SymmetricPads(c, plane, folded, op.Pads[1..3], op.Pads[4..6], 0.0);
            var state = TmModuleStates.Conv2d(c.W.Tensors, Plane(weight, i), i == 0 ? bias : null, op.Group, op.Strides[1..], padding, op.Dilations[1..]);
            var y = c.W.ModuleCall("conv", "megengine.module.conv", "Conv2d", state, [padded], c.TempLike(planeOut));
            sum = sum is null ? y : c.Method("__add__", c.TempLike(planeOut), sum, y);
        }

        long[] unfolded = [n, outDepth, o, outShape[3], outShape[4]];
        var grid = c.Method("reshape", c.TempLike(unfolded), sum!, TmArg.List(unfolded));
        var result = c.Fn(TensorFns, "transpose", c.PreActivation(op.Activation), grid, TmArg.Tuple([0, 2, 1, 3, 4]));
        c.Bind(c.Activate(result, op.Activation, c.Out()));
    }

    /// <summary>W[:, :, i] of a (O, I, kd, kh, kw) kernel as a contiguous (O, I, kh, kw) tensor.</summary>
    private static Tensor Plane(Tensor weight, long i)
    {
        var (o, ci, kd, kh, kw) = (weight.Shape[0], weight.Shape[1], weight.Shape[2], weight.Shape[3], weight.Shape[4]);
        var size = weight.DType.Element.SizeOf();
        var plane = (int)(kh * kw * size);
        var src = weight.Bytes.Span;
        var dst = new byte[o * ci * plane];
        for (var r = 0; r < o * ci; r++)
        {
            src.Slice((int)(((r * kd) + i) * plane), plane).CopyTo(dst.AsSpan(r * plane, plane));
        }

        return new Tensor(weight.DType, new Shape(o, ci, kh, kw), dst);
    }
}
