using MgeConvert.Formats.Mge.Fbs;
using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Formats.Mge;

/// <summary>Convolution family (§9): NCHW, cross-correlation, dense or grouped (5-D filter).</summary>
internal static class MgeConvOps
{
    public static Value?[] Convolution(MgeConversion cx)
    {
        var p = cx.Param<Convolution>(OperatorParam.Convolution);
        Check(p.Format, p.Mode);
        var x = cx.In(0);
        var (w, group) = DenseFilter(cx, cx.Float(cx.In(1)), p.Sparse, transposed: false);
        var y = cx.Apply(new Conv([p.StrideH, p.StrideW], [p.PadH, p.PadW, p.PadH, p.PadW], [p.DilateH, p.DilateW], group), cx.Float(x), w);
        return [cx.To(y, cx.OutputDType(x.DType))];
    }

    public static Value?[] ConvBias(MgeConversion cx)
    {
        var p = cx.Param<ConvBias>(OperatorParam.ConvBias);
        Check(p.Format, p.Mode);
        var x = cx.In(0);
        var (w, group) = DenseFilter(cx, cx.Float(cx.In(1)), p.Sparse, transposed: false);
        Value? bias = null;
        if (cx.InputCount > 2)
        {
            var b = cx.Float(cx.In(2));
            bias = Reshaped(cx, b, [b.Shape.IsStatic ? b.Shape.ElementCount : -1]);
        }

        var y = cx.Apply(new Conv([p.StrideH, p.StrideW], [p.PadH, p.PadW, p.PadH, p.PadW], [p.DilateH, p.DilateW], group), cx.Float(x), w, bias);
        if (cx.InputCount > 3)
        {
            y = cx.Apply(new Binary(BinaryFunction.Add), y, cx.Float(cx.In(3)));
        }

        y = p.NonlineMode switch
        {
            ConvBiasV0NonlineMode.IDENTITY => y,
            ConvBiasV0NonlineMode.RELU => cx.Apply(new Unary(UnaryFunction.Relu), y),
            ConvBiasV0NonlineMode.SIGMOID => cx.Apply(new Unary(UnaryFunction.Sigmoid), y),
            ConvBiasV0NonlineMode.H_SWISH => cx.Apply(new Unary(UnaryFunction.HardSwish), y),
            var m => throw new MgeUnsupportedException($"ConvBias nonlineMode {m} is not supported"),
        };
        return [cx.To(y, cx.OutputDType(x.DType))];
    }

    /// <summary>Deconvolution: inputs (filter, data[, src_for_shape]); the filter is the forward conv's (IC_of_data, OC, kh, kw).</summary>
    public static Value?[] BackwardData(MgeConversion cx)
    {
        var p = cx.Param<Convolution>(OperatorParam.Convolution);
        Check(p.Format, p.Mode);
        var x = cx.In(1);
        var (w, group) = DenseFilter(cx, cx.Float(cx.In(0)), p.Sparse, transposed: true);
        var op = new ConvTranspose([p.StrideH, p.StrideW], [p.PadH, p.PadW, p.PadH, p.PadW], [p.DilateH, p.DilateW], group);
        if (cx.InputCount > 2 && cx.In(2).Shape is { IsStatic: true, Rank: 4 } target && x.Shape.IsStatic && w.Shape.IsStatic)
        {
            var natural = op.InferTypes(new InferenceContext(op, [x, w]))[0].Shape;
            op = op with { OutputPadding = [target[2] - natural[2], target[3] - natural[3]] };
        }

        var y = cx.Apply(op, cx.Float(x), w);
        return [cx.To(y, cx.OutputDType(x.DType))];
    }

    /// <summary>
    /// Filter gradient dW[o,i,kh,kw] = Σ diff[n,o,y,x]·src[n,i,y·s−p+kh·d,x·s−p+kw·d], expressed as a convolution of
    /// src (channels and batch swapped) with diff as the kernel, strides and dilations swapped, cut to the filter size.
    /// </summary>
    public static Value?[] BackwardFilter(MgeConversion cx)
    {
        var p = cx.Param<Convolution>(OperatorParam.Convolution);
        Check(p.Format, p.Mode);
        if (p.Sparse != ConvolutionV0Sparse.DENSE)
        {
            throw new MgeUnsupportedException("grouped ConvolutionBackwardFilter is not supported");
        }

        var src = cx.Float(cx.In(0));
        var diff = cx.Float(cx.In(1));
        var filter = cx.In(2).Shape;
        if (!filter.IsStatic || filter.Rank != 4)
        {
            throw new MgeUnsupportedException($"ConvolutionBackwardFilter needs a static 4-D filter shape, got {filter}");
        }

        var swap = new Transpose([1, 0, 2, 3]);
        var conv = cx.Apply(new Conv([p.DilateH, p.DilateW], [p.PadH, p.PadW, p.PadH, p.PadW], [p.StrideH, p.StrideW]),
            cx.Apply(swap, src), cx.Apply(swap, diff));
        var cut = cx.Apply(new Slice([0, 0], [filter[2], filter[3]], [2, 3], [1, 1]), conv);
        return [cx.Apply(swap, cut)];
    }

    /// <summary>Turns a grouped 5-D filter into the IR's 4-D form and returns the group count.</summary>
    private static (Value Filter, long Group) DenseFilter(MgeConversion cx, Value w, ConvolutionV0Sparse sparse, bool transposed)
    {
        if (sparse == ConvolutionV0Sparse.DENSE)
        {
            return (w, 1);
        }

        var s = w.Shape;
        if (!s.IsStatic || s.Rank != 5)
        {
            throw new MgeUnsupportedException($"grouped convolution needs a static 5-D filter, got {s}");
        }

        // (G, OC/G, IC/G, kh, kw) → (OC, IC/G, kh, kw); transposed: (G, IC/G, OC/G, kh, kw) → (IC, OC/G, kh, kw).
        return (Reshaped(cx, w, [s[0] * s[1], s[2], s[3], s[4]]), s[0]);
    }

    public static Value Reshaped(MgeConversion cx, Value v, long[] shape) =>
        v.Constant is { } t && shape.All(d => d >= 0) ? cx.Constant(t.Reshape(new Shape(shape)), v.Name) : cx.Apply(new Reshape(shape), v);

    private static void Check(ConvolutionFormat format, ConvolutionV0Mode mode)
    {
        if (format != ConvolutionFormat.NCHW)
        {
            throw new MgeUnsupportedException($"tensor format {format} is not supported (only NCHW; layout-transformed models are not plain NCHW)");
        }

        if (mode != ConvolutionV0Mode.CROSS_CORRELATION)
        {
            throw new MgeUnsupportedException($"convolution mode {mode} is not supported");
        }
    }
}
