using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Formats.Onnx;

/// <summary>Import rules for convolution, pooling, normalization, matrix and reduction operators.</summary>
internal static class OnnxImportNn
{
    public static Value[] Conv(OnnxNodeContext c)
    {
        var w = c.In(1).Shape;
        var n = w.HasRank ? w.Rank - 2 : c.Rank(0) - 2;
        var kernel = c.Ints("kernel_shape") ?? (w.IsStatic ? w.Skip(2).ToArray() : throw c.Unsupported("kernel shape unknown"));
        var strides = c.Ints("strides") ?? Ones(n);
        var dilations = c.Ints("dilations") ?? Ones(n);
        var pads = ResolvePads(c, kernel, strides, dilations);
        return c.Apply(new Conv(strides, pads, dilations, c.Int("group", 1)), c.In(0), c.In(1), c.Opt(2));
    }

    public static Value[] ConvTranspose(OnnxNodeContext c)
    {
        var w = c.StaticShape(1, "ConvTranspose");
        var n = w.Length - 2;
        if (n < 1)
        {
            throw new IrException($"ConvTranspose: the weight has rank {w.Length}, expected (C, M/group, k1, ...) of rank 3 or more");
        }

        var kernel = c.Ints("kernel_shape") ?? w[2..];
        var strides = c.Ints("strides") ?? Ones(n);
        var dilations = c.Ints("dilations") ?? Ones(n);
        var outputPadding = c.Ints("output_padding") ?? new long[n];
        var autoPad = c.Str("auto_pad", "NOTSET");
        var outputShape = c.Ints("output_shape");
        long[] pads;
        if (outputShape is not null || autoPad is "SAME_UPPER" or "SAME_LOWER")
        {
            var x = c.StaticShape(0, "ConvTranspose with output_shape or auto_pad");
            pads = new long[2 * n];
            for (var i = 0; i < n; i++)
            {
                var input = x[i + 2];
                var wanted = outputShape is null ? input * strides[i] : outputShape[^(n - i)];
                var total = (strides[i] * (input - 1)) + outputPadding[i] + ((kernel[i] - 1) * dilations[i]) + 1 - wanted;
                if (total < 0)
                {
                    // A larger output_shape only appends positions no input reaches: output padding.
                    outputPadding[i] -= total;
                    total = 0;
                }

                var small = total / 2;
                (pads[i], pads[i + n]) = autoPad == "SAME_UPPER" ? (small, total - small) : (total - small, small);
            }
        }
        else
        {
            pads = autoPad == "VALID" ? new long[2 * n] : c.Ints("pads") ?? new long[2 * n];
        }

        var op = new ConvTranspose(strides, pads, dilations, c.Int("group", 1), outputPadding.Any(p => p != 0) ? outputPadding : null);
        return c.Apply(op, c.In(0), c.In(1), c.Opt(2));
    }

    public static Value[] Pool(OnnxNodeContext c, PoolKind kind)
    {
        if (c.HasOutput(1))
        {
            throw c.Unsupported("the MaxPool indices output is not in the IR");
        }

        var kernel = c.Ints("kernel_shape") ?? throw c.Unsupported("kernel_shape missing");
        var dilations = c.Ints("dilations") ?? Ones(kernel.Length);
        var strides = c.Ints("strides") ?? Ones(kernel.Length);
        var pads = ResolvePads(c, kernel, strides, dilations);
        if (dilations.Any(d => d != 1))
        {
            return kind == PoolKind.Max
                ? OnnxDilatedMaxPool.Import(c, kernel, strides, pads, dilations, c.Int("ceil_mode", 0) != 0)
                : throw c.Unsupported("dilated average pooling is not in the IR");
        }

        var op = new Pool(kind, kernel, strides, pads, c.Int("count_include_pad", 0) != 0, c.Int("ceil_mode", 0) != 0);
        return c.Apply(op, c.In(0));
    }

    public static Value[] BatchNorm(OnnxNodeContext c)
    {
        if (c.OutputCount > 1 || c.Int("training_mode", 0) != 0)
        {
            throw c.Unsupported("training-mode batch normalization is not in the IR");
        }

        if (c.Opset < 9 && c.Int("spatial", 1) == 0)
        {
            throw c.Unsupported("non-spatial batch normalization is not in the IR");
        }

        return c.Apply(new BatchNorm(c.Float("epsilon", 1e-5f)), c.In(0), c.In(1), c.In(2), c.In(3), c.In(4));
    }

    public static Value[] LayerNorm(OnnxNodeContext c)
    {
        var axis = ShapeMath.Axis(c.Int("axis", -1), c.Rank(0));
        var epsilon = c.Float("epsilon", 1e-5f);
        if (c.OutputCount == 1)
        {
            return c.Apply(new LayerNorm(axis, epsilon), c.In(0), c.In(1), c.Opt(2));
        }

        // The optional Mean and InvStdDev outputs (keepdims over the normalized axes) from their definition.
        var x = c.In(0);
        if (x.DType.Element != ElementType.Float32)
        {
            throw c.Unsupported("LayerNormalization statistics outputs for non-float32 input");
        }

        var y = c.ApplyAt(0, new LayerNorm(axis, epsilon), x, c.In(1), c.Opt(2));
        var axes = Enumerable.Range(axis, c.Rank(0) - axis).Select(a => (long)a).ToArray();
        var mean = c.ApplyAt(1, new Reduce(ReduceKind.Mean, axes), x);
        var centered = c.Temp(new Binary(BinaryFunction.Sub), x, mean);
        var variance = c.Temp(new Reduce(ReduceKind.Mean, axes), c.Temp(new Binary(BinaryFunction.Mul), centered, centered));
        var deviation = c.Temp(new Unary(UnaryFunction.Sqrt), c.Temp(new Binary(BinaryFunction.Add), variance, c.Constant(Tensor.Scalar(epsilon))));
        var inverse = c.HasOutput(2) ? c.ApplyAt(2, new Unary(UnaryFunction.Reciprocal), deviation) : deviation;
        return [y, mean, inverse];
    }

    public static Value[] ArgReduce(OnnxNodeContext c, bool isMax) =>
        c.Apply(new ArgReduce(isMax, ShapeMath.Axis(c.Int("axis", 0), c.Rank(0)), c.Int("keepdims", 1) != 0, c.Int("select_last_index", 0) != 0), c.In(0));

    public static Value[] TopK(OnnxNodeContext c)
    {
        var k = c.Opset < 10 ? c.Int("k", 0) : (c.ConstInts(1) ?? throw c.Unsupported("K missing"))[0];
        var axis = ShapeMath.Axis(c.Int("axis", -1), c.Rank(0));
        return c.Apply(new TopK(k, axis, c.Int("largest", 1) != 0, c.Int("sorted", 1) != 0), c.In(0));
    }

    public static Value[] Reduce(OnnxNodeContext c, ReduceKind kind)
    {
        var axesAsInput = kind == ReduceKind.Sum ? 13 : 18;
        var axes = c.Opset >= axesAsInput ? c.ConstInts(1) : c.Ints("axes");
        if ((axes is null || axes.Length == 0) && c.Int("noop_with_empty_axes", 0) != 0)
        {
            return c.Apply(new Identity(), c.In(0));
        }

        var rank = c.Rank(0);
        var normalized = (axes ?? []).Select(a => (long)ShapeMath.Axis(a, rank)).ToArray();
        return c.Apply(new Reduce(kind, normalized, c.Int("keepdims", 1) != 0), c.In(0));
    }

    /// <summary>Explicit begin/end pads from "pads" or "auto_pad" (SAME_* needs the static input size).</summary>
    private static long[] ResolvePads(OnnxNodeContext c, long[] kernel, long[] strides, long[] dilations)
    {
        var n = kernel.Length;
        if (kernel.Any(k => k <= 0) || strides.Any(s => s <= 0) || dilations.Any(d => d <= 0))
        {
            throw c.Unsupported(
                $"kernel [{string.Join(",", kernel)}], strides [{string.Join(",", strides)}] and dilations [{string.Join(",", dilations)}] must be positive");
        }

        var autoPad = c.Str("auto_pad", "NOTSET");
        switch (autoPad)
        {
            case "NOTSET" or "":
                return c.Ints("pads") ?? new long[2 * n];
            case "VALID":
                return new long[2 * n];
            case "SAME_UPPER" or "SAME_LOWER":
                var x = c.StaticShape(0, "auto_pad " + autoPad);
                var pads = new long[2 * n];
                for (var i = 0; i < n; i++)
                {
                    var input = x[i + 2];
                    var output = (input + strides[i] - 1) / strides[i];
                    var total = Math.Max(0, ((output - 1) * strides[i]) + ((kernel[i] - 1) * dilations[i]) + 1 - input);
                    var small = total / 2;
                    (pads[i], pads[i + n]) = autoPad == "SAME_UPPER" ? (small, total - small) : (total - small, small);
                }

                return pads;
            default:
                throw c.Unsupported($"auto_pad {autoPad}");
        }
    }

    private static long[] Ones(int n) => Enumerable.Repeat(1L, n).ToArray();
}
