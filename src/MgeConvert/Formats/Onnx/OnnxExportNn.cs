using MgeConvert.Formats.Onnx.Proto;
using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Formats.Onnx;

/// <summary>Export rules for convolution, pooling, normalization, matrix and reduction ops.</summary>
internal static class OnnxExportNn
{
    public static void Conv(OnnxExportContext c)
    {
        var conv = (Conv)c.Op;
        c.Main("Conv", Inputs(c, 3), [.. WindowAttributes(c, Kernel(c), conv.Strides, conv.Pads, conv.Dilations), OnnxAttributes.Int("group", conv.Group)]);
    }

    public static void ConvTranspose(OnnxExportContext c)
    {
        var conv = (ConvTranspose)c.Op;
        var attributes = WindowAttributes(c, Kernel(c), conv.Strides, conv.Pads, conv.Dilations).ToList();
        attributes.Add(OnnxAttributes.Int("group", conv.Group));
        if (conv.OutputPadding is { } padding && padding.Any(p => p != 0))
        {
            attributes.Add(OnnxAttributes.Ints("output_padding", padding));
        }

        c.Main("ConvTranspose", Inputs(c, 3), [.. attributes]);
    }

    public static void Pool(OnnxExportContext c)
    {
        var pool = (Pool)c.Op;
        var attributes = WindowAttributes(c, pool.Kernel, pool.Strides, pool.Pads, null).ToList();
        if (pool.CeilMode)
        {
            attributes.Add(c.Opset >= 10 ? OnnxAttributes.Int("ceil_mode", 1) : throw c.NeedsOpset(10, "ceil_mode pooling"));
        }

        if (pool.Kind == PoolKind.Average && pool.CountIncludePad)
        {
            attributes.Add(OnnxAttributes.Int("count_include_pad", 1));
        }

        c.Main(pool.Name, [c.In(0)], [.. attributes]);
    }

    public static void AdaptivePool(OnnxExportContext c)
    {
        var pool = (AdaptivePool)c.Op;
        var kind = pool.Kind;
        if (pool.OutputSize.All(s => s == 1))
        {
            c.Main(kind == PoolKind.Max ? "GlobalMaxPool" : "GlobalAveragePool", [c.In(0)]);
            return;
        }

        var x = c.InShape(0);
        var n = pool.OutputSize.Length;
        var kernel = new long[n];
        for (var i = 0; i < n; i++)
        {
            var input = x[i + 2];
            if (input < 0 || input % pool.OutputSize[i] != 0)
            {
                throw c.Unsupported($"adaptive pooling of {x} to {string.Join("x", pool.OutputSize)} has uneven windows");
            }

            kernel[i] = input / pool.OutputSize[i];
        }

        c.Main(kind == PoolKind.Max ? "MaxPool" : "AveragePool", [c.In(0)], [.. WindowAttributes(c, kernel, kernel, new long[2 * n], null)]);
    }

    public static void LayerNorm(OnnxExportContext c)
    {
        var norm = (LayerNorm)c.Op;
        var x = c.InShape(0);
        var axis = ShapeMath.Axis(norm.Axis, x.Rank);
        var type = c.InValue(0).DType.Element;
        var scale = c.HasInput(1) ? c.In(1) : c.Const("scale", OnesLike(c, type, x.Skip(axis)));
        if (c.Opset >= 17)
        {
            c.Main("LayerNormalization", [c.In(0), scale, c.OptIn(2)], OnnxAttributes.Int("axis", axis), OnnxAttributes.Float("epsilon", norm.Epsilon));
            return;
        }

        var axes = Enumerable.Range(axis, x.Rank - axis).Select(a => (long)a).ToArray();
        var mean = ReduceNode(c, "ReduceMean", c.In(0), axes, true);
        var centered = c.Helper("Sub", [c.In(0), mean]);
        var variance = ReduceNode(c, "ReduceMean", c.Helper("Mul", [centered, centered]), axes, true);
        var deviation = c.Helper("Sqrt", [c.Helper("Add", [variance, c.Scalar("epsilon", type, norm.Epsilon)])]);
        var normalized = c.Helper("Mul", [c.Helper("Div", [centered, deviation]), scale]);
        if (c.HasInput(2))
        {
            c.Main("Add", [normalized, c.In(2)]);
        }
        else
        {
            c.Main("Identity", [normalized]);
        }
    }

    public static void Gemm(OnnxExportContext c)
    {
        var gemm = (Gemm)c.Op;
        var attributes = new List<AttributeProto>();
        if (gemm.TransA)
        {
            attributes.Add(OnnxAttributes.Int("transA", 1));
        }

        if (gemm.TransB)
        {
            attributes.Add(OnnxAttributes.Int("transB", 1));
        }

        if (gemm.Alpha != 1f)
        {
            attributes.Add(OnnxAttributes.Float("alpha", gemm.Alpha));
        }

        if (gemm.Beta != 1f)
        {
            attributes.Add(OnnxAttributes.Float("beta", gemm.Beta));
        }

        var bias = c.OptIn(2);
        if (bias.Length == 0 && c.Opset < 11)
        {
            bias = c.Scalar("zero_bias", c.InValue(0).DType.Element, 0);
        }

        c.Main("Gemm", bias.Length == 0 ? [c.In(0), c.In(1)] : [c.In(0), c.In(1), bias], [.. attributes]);
    }

    public static void ArgReduce(OnnxExportContext c)
    {
        var arg = (ArgReduce)c.Op;
        var attributes = new List<AttributeProto> { OnnxAttributes.Int("axis", c.Axis(arg.Axis)), OnnxAttributes.Int("keepdims", arg.KeepDims ? 1 : 0) };
        if (arg.SelectLastIndex)
        {
            attributes.Add(c.Opset >= 12 ? OnnxAttributes.Int("select_last_index", 1) : throw c.NeedsOpset(12, "ArgMax/ArgMin select_last_index"));
        }

        c.Main(arg.Name, [c.In(0)], [.. attributes]);
    }

    public static void TopK(OnnxExportContext c)
    {
        var topk = (TopK)c.Op;
        var axis = OnnxAttributes.Int("axis", c.Axis(topk.Axis));
        if (c.Opset < 10)
        {
            if (!topk.Largest || !topk.Sorted)
            {
                throw c.NeedsOpset(11, "TopK smallest/unsorted");
            }

            c.Main("TopK", [c.In(0)], axis, OnnxAttributes.Int("k", topk.K));
            return;
        }

        var attributes = new List<AttributeProto> { axis };
        if (!topk.Largest || !topk.Sorted)
        {
            if (c.Opset < 11)
            {
                throw c.NeedsOpset(11, "TopK smallest/unsorted");
            }

            attributes.Add(OnnxAttributes.Int("largest", topk.Largest ? 1 : 0));
            attributes.Add(OnnxAttributes.Int("sorted", topk.Sorted ? 1 : 0));
        }

        c.Main("TopK", [c.In(0), c.Ints("k", [topk.K])], [.. attributes]);
    }

    public static void Reduce(OnnxExportContext c)
    {
        var reduce = (Reduce)c.Op;
        var (inputs, attributes) = ReduceForm(c, reduce.Name, c.In(0), c.Axes(reduce.Axes, c.InShape(0).Rank), reduce.KeepDims);
        c.Main(reduce.Name, inputs, attributes);
    }

    /// <summary>A reduce node over <paramref name="axes"/> as a helper; returns its output.</summary>
    public static string ReduceNode(OnnxExportContext c, string opType, string input, long[] axes, bool keepDims)
    {
        var (inputs, attributes) = ReduceForm(c, opType, input, axes, keepDims);
        return c.Helper(opType, inputs, attributes);
    }

    private static (string[] Inputs, AttributeProto[] Attributes) ReduceForm(OnnxExportContext c, string opType, string input, long[] axes, bool keepDims)
    {
        var keep = OnnxAttributes.Int("keepdims", keepDims ? 1 : 0);
        var axesAsInput = c.Opset >= (opType == "ReduceSum" ? 13 : 18);
        if (axes.Length == 0)
        {
            return ([input], [keep]);
        }

        return axesAsInput ? ([input, c.Ints("axes", axes)], [keep]) : ([input], [OnnxAttributes.Ints("axes", axes), keep]);
    }

    private static IEnumerable<AttributeProto> WindowAttributes(OnnxExportContext c, long[] kernel, long[] strides, long[] pads, long[]? dilations)
    {
        yield return OnnxAttributes.Ints("kernel_shape", kernel);
        yield return OnnxAttributes.Ints("strides", strides);
        yield return OnnxAttributes.Ints("pads", pads);
        if (dilations is not null)
        {
            yield return OnnxAttributes.Ints("dilations", dilations);
        }
    }

    private static long[] Kernel(OnnxExportContext c)
    {
        var w = c.InShape(1);
        return w.IsStatic ? w.Skip(2).ToArray() : throw c.Unsupported($"weight shape {w} is not static");
    }

    private static string[] Inputs(OnnxExportContext c, int max) =>
        [.. Enumerable.Range(0, Math.Min(max, c.Node.Inputs.Count)).Where(c.HasInput).Select(c.In)];

    private static Tensor OnesLike(OnnxExportContext c, ElementType type, IEnumerable<long> dims)
    {
        var shape = new Shape([.. dims]);
        if (!shape.IsStatic || type != ElementType.Float32)
        {
            throw c.Unsupported("LayerNorm without scale needs a static float32 input");
        }

        return Tensor.FromFloats(shape, Enumerable.Repeat(1f, (int)shape.ElementCount).ToArray());
    }
}
