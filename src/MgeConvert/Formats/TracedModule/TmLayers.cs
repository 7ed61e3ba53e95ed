using MgeConvert.Formats.Pickle;
using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Formats.TracedModule;

/// <summary>Conv / deconv / linear / batch-norm emission shared by module and function handlers.</summary>
internal static class TmLayers
{
    public static Value Conv(TmCall c, Value x, Tensor weight, Tensor? bias, long[] stride, long[] padding, long[] dilation, long groups,
        string weightName, string biasName, TmModule? module)
    {
        if (weight.Shape.Rank == 5)
        {
            groups = weight.Shape[0];
            weight = TmFolding.Reshaped(weight, weight.Shape[0] * weight.Shape[1], weight.Shape[2], weight.Shape[3], weight.Shape[4]);
        }

        var w = c.B.Constant(c.Converter.Prefix + weightName, weight);
        var b = bias is null ? null : c.B.Constant(c.Converter.Prefix + biasName, TmFolding.Reshaped(bias, bias.ElementCount));
        if (module is not null)
        {
            c.Converter.AnnotateWeights(module, w, b, x);
        }

        return c.Emit(new Conv(stride, [padding[0], padding[1], padding[0], padding[1]], dilation, groups), x, w, b);
    }

    /// <summary>A conv-family module: Conv2d / ConvRelu2d / ConvBn2d / ConvBnRelu2d (BN folded) and their qat variants.</summary>
    public static Value ConvModule(TmCall c, TmModule conv, TmModule? bn, bool relu)
    {
        var x = c.Tensor(0);
        var weight = c.Converter.Loader.TensorData(conv.Attr("weight"), "conv weight");
        var bias = conv.Attr("bias") is { } bo ? c.Converter.Loader.TensorData(bo, "conv bias") : null;
        if (conv.Attr("conv_mode") is string mode && mode.ToUpperInvariant() != "CROSS_CORRELATION")
        {
            throw c.Error($"conv_mode {mode} is not supported");
        }

        if (bn is not null)
        {
            (weight, bias) = FoldBatchNorm(c, weight, bias, bn);
        }

        var padding = c.Spatial(conv.Attr("padding"), 2, "padding");
        if (conv.Attr("padding_mode") is string pm && pm != "zeros" && padding.Any(p => p != 0))
        {
            x = c.Emit(new Pad([0, 0, padding[0], padding[1], 0, 0, padding[0], padding[1]], pm == "reflect" ? PadMode.Reflect : PadMode.Edge), x);
            padding = [0, 0];
        }

        var name = c.Expr.Inputs[0].Name;
        var module = c.Module!;
        var y = Conv(c, x, weight, bias, c.Spatial(conv.Attr("stride"), 2, "stride"), padding, c.Spatial(conv.Attr("dilation"), 2, "dilation"),
            PyValues.TryGetLong(conv.Attr("groups"), out var g) ? g : 1, name + "_weight", name + "_bias", module);
        return relu ? c.Emit(new Unary(UnaryFunction.Relu), y) : y;
    }

    public static (Tensor Weight, Tensor Bias) FoldBatchNorm(TmCall c, Tensor weight, Tensor? bias, TmModule bn)
    {
        var loader = c.Converter.Loader;
        var mean = TmFolding.Floats(loader.TensorData(bn.Attr("running_mean"), "bn running_mean"));
        var variance = TmFolding.Floats(loader.TensorData(bn.Attr("running_var"), "bn running_var"));
        var channels = mean.Length;
        var gamma = bn.Attr("weight") is { } gw ? TmFolding.Floats(loader.TensorData(gw, "bn weight")) : Enumerable.Repeat(1f, channels).ToArray();
        var beta = bn.Attr("bias") is { } bb ? TmFolding.Floats(loader.TensorData(bb, "bn bias")) : new float[channels];
        PyValues.TryGetDouble(bn.Attr("eps"), out var eps);
        var w = TmFolding.Floats(weight);
        var b = bias is null ? new float[channels] : TmFolding.Floats(bias);
        if (w.Length % channels != 0 || b.Length != channels)
        {
            throw c.Error($"batch norm of {channels} channels does not fit conv weight {weight.Shape}");
        }

        var perChannel = w.Length / channels;
        var folded = new float[w.Length];
        var foldedBias = new float[channels];
        for (var o = 0; o < channels; o++)
        {
            var factor = gamma[o] / MathF.Sqrt(variance[o] + (float)eps);
            for (var i = 0; i < perChannel; i++)
            {
                folded[(o * perChannel) + i] = w[(o * perChannel) + i] * factor;
            }

            foldedBias[o] = ((b[o] - mean[o]) * factor) + beta[o];
        }

        return (Tensor.FromFloats(weight.Shape, folded), Tensor.FromFloats(new Shape(1, channels, 1, 1), foldedBias));
    }

    public static Value ConvTransposeModule(TmCall c, TmModule m)
    {
        var loader = c.Converter.Loader;
        var x = c.Tensor(0);
        var weight = loader.TensorData(m.Attr("weight"), "deconv weight");
        var bias = m.Attr("bias") is { } bo ? loader.TensorData(bo, "deconv bias") : null;
        var groups = PyValues.TryGetLong(m.Attr("groups"), out var g) ? g : 1;
        if (weight.Shape.Rank == 5)
        {
            groups = weight.Shape[0];
            weight = TmFolding.Reshaped(weight, weight.Shape[0] * weight.Shape[1], weight.Shape[2], weight.Shape[3], weight.Shape[4]);
        }

        var name = c.Expr.Inputs[0].Name;
        var w = c.B.Constant(c.Converter.Prefix + name + "_weight", weight);
        var b = bias is null ? null : c.B.Constant(c.Converter.Prefix + name + "_bias", TmFolding.Reshaped(bias, bias.ElementCount));
        c.Converter.AnnotateWeights(c.Module!, w, b, x);
        var padding = c.Spatial(m.Attr("padding"), 2, "padding");
        var outputPadding = m.Attr("output_padding") is { } op ? c.Spatial(op, 2, "output_padding") : [0, 0];
        var y = c.Emit(new ConvTranspose(c.Spatial(m.Attr("stride"), 2, "stride"), [padding[0], padding[1], padding[0], padding[1]],
            c.Spatial(m.Attr("dilation"), 2, "dilation"), groups, outputPadding), x, w, b);
        return m.ClassPath.EndsWith("Relu2d", StringComparison.Ordinal) ? c.Emit(new Unary(UnaryFunction.Relu), y) : y;
    }

    public static Value Linear(TmCall c, Value x, Value weight, Value? bias)
    {
        if (x.Shape.HasRank && x.Shape.Rank == 2 && weight.Shape.Rank == 2)
        {
            return c.Emit(new Gemm(TransB: true), x, weight, bias);
        }

        var wt = weight.Constant is { } wc
            ? c.B.Constant(weight.Name + "_t", TransposeConstant(wc))
            : c.Emit(new Transpose([1, 0]), weight);
        var y = c.Emit(new MatMul(), x, wt);
        return bias is null ? y : c.Converter.Binary(BinaryFunction.Add, y, bias);
    }

    public static Value BatchNorm(TmCall c, Value x, TmModule bn)
    {
        var loader = c.Converter.Loader;
        var name = c.Converter.Prefix + c.Expr.Inputs[0].Name;
        var mean = loader.TensorData(bn.Attr("running_mean"), "running_mean");
        var channels = mean.ElementCount;
        Value Param(string attr, string suffix, float fallback) =>
            c.B.Constant(name + suffix, bn.Attr(attr) is { } t
                ? TmFolding.Reshaped(loader.TensorData(t, attr), channels)
                : Tensor.FromFloats(new Shape(channels), [.. Enumerable.Repeat(fallback, (int)channels)]));
        PyValues.TryGetDouble(bn.Attr("eps"), out var eps);
        return c.Emit(new BatchNorm((float)eps), x, Param("weight", "_weight", 1f), Param("bias", "_bias", 0f),
            Param("running_mean", "_running_mean", 0f), Param("running_var", "_running_var", 1f));
    }

    public static Tensor TransposeConstant(Tensor t)
    {
        var rows = t.Shape[0];
        var cols = t.Shape[1];
        var v = TmFolding.Floats(t);
        var r = new float[v.Length];
        for (var i = 0; i < rows; i++)
        {
            for (var j = 0; j < cols; j++)
            {
                r[(j * rows) + i] = v[(i * cols) + j];
            }
        }

        return Tensor.FromFloats(new Shape(cols, rows), r);
    }
}
