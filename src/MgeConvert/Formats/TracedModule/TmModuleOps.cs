using MgeConvert.Formats.Pickle;
using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Formats.TracedModule;

/// <summary>Module calls, keyed by the module class path (float and qat variants).</summary>
internal static class TmModuleOps
{
    private const string M = "megengine.module.";
    private const string Q = "megengine.module.qat.";

    public static void Register(Dictionary<string, TmHandler> t)
    {
        foreach (var p in new[] { M, Q })
        {
            t[p + "conv.Conv2d"] = c => [TmLayers.ConvModule(c, c.Module!, null, false)];
            t[p + "conv.ConvRelu2d"] = c => [TmLayers.ConvModule(c, c.Module!, null, true)];
            t[p + "conv_bn.ConvBn2d"] = c => [ConvBn(c, false)];
            t[p + "conv_bn.ConvBnRelu2d"] = c => [ConvBn(c, true)];
            t[p + "conv.ConvTranspose2d"] = c => [TmLayers.ConvTransposeModule(c, c.Module!)];
            t[p + "conv.ConvTransposeRelu2d"] = c => [TmLayers.ConvTransposeModule(c, c.Module!)];
            t[p + "linear.Linear"] = c => [LinearModule(c, false)];
            t[p + "linear.LinearRelu"] = c => [LinearModule(c, true)];
            t[p + "elemwise.Elemwise"] = c => [Elemwise(c)];
            t[p + "concat.Concat"] = c => [c.Emit(new Concat(c.Int(1, 0)), [.. Tensors(c, c.Arg(0))])];
            t[p + "quant_dequant.QuantStub"] = c => [c.Emit(new Identity(), c.Tensor(0))];
            t[p + "quant_dequant.DequantStub"] = c => [c.Emit(new Identity(), c.Tensor(0))];
            t[p + "batchnorm.BatchNorm1d"] = c => [TmLayers.BatchNorm(c, c.Tensor(0), c.Module!)];
            t[p + "batchnorm.BatchNorm2d"] = c => [TmLayers.BatchNorm(c, c.Tensor(0), c.Module!)];
        }

        t[M + "pooling.MaxPool2d"] = c => [Pool(c, PoolKind.Max, c.Attr("kernel_size"), c.Attr("stride"), c.Attr("padding"), null)];
        t[M + "pooling.AvgPool2d"] = c => [Pool(c, PoolKind.Average, c.Attr("kernel_size"), c.Attr("stride"), c.Attr("padding"), c.Attr("mode") as string)];
        t[M + "adaptive_pooling.AdaptiveAvgPool2d"] = c => [AdaptivePool(c, PoolKind.Average, c.Attr("oshp"))];
        t[M + "adaptive_pooling.AdaptiveMaxPool2d"] = c => [AdaptivePool(c, PoolKind.Max, c.Attr("oshp"))];
        t[M + "activation.ReLU"] = c => [c.Emit(new Unary(UnaryFunction.Relu), c.Tensor(0))];
        t[M + "activation.Sigmoid"] = c => [c.Emit(new Unary(UnaryFunction.Sigmoid), c.Tensor(0))];
        t[M + "activation.SiLU"] = c => [c.Emit(new Unary(UnaryFunction.Silu), c.Tensor(0))];
        t[M + "activation.GELU"] = c => [c.Emit(new Gelu(), c.Tensor(0))];
        t[M + "activation.LeakyReLU"] = c => [c.Emit(new LeakyRelu(PyValues.TryGetDouble(c.Attr("negative_slope"), out var s) ? (float)s : 0.01f), c.Tensor(0))];
        t[M + "activation.Softmax"] = c => [TmFunctionOps.Softmax(c, c.Tensor(0), c.Attr("axis"))];
        t[M + "activation.PReLU"] = c => [c.Emit(new PRelu(), c.Tensor(0), PReluSlope(c))];
        t[M + "identity.Identity"] = c => [c.Emit(new Identity(), c.Tensor(0))];
        t[M + "dropout.Dropout"] = c => [c.Emit(new Identity(), c.Tensor(0))];
        t[M + "normalization.LayerNorm"] = c => [LayerNormModule(c)];
        t[M + "padding.Pad"] = c => [TmFunctionOps.Pad(c, c.Tensor(0), c.Attr("pad_width") ?? c.Attr("padding"), c.Attr("mode") as string, c.Attr("constant_val") ?? c.Attr("constant_value"))];
    }

    private static Value ConvBn(TmCall c, bool relu)
    {
        var loader = c.Converter.Loader;
        var conv = loader.Module(c.Attr("conv")) ?? throw c.Error("ConvBn module has no conv");
        var bn = loader.Module(c.Attr("bn")) ?? throw c.Error("ConvBn module has no bn");
        return TmLayers.ConvModule(c, conv, bn, relu);
    }

    private static Value LinearModule(TmCall c, bool relu)
    {
        var loader = c.Converter.Loader;
        var x = c.Tensor(0);
        var name = c.Converter.Prefix + c.Expr.Inputs[0].Name;
        var w = c.B.Constant(name + "_weight", loader.TensorData(c.Attr("weight"), "linear weight"));
        var b = c.Attr("bias") is { } bias ? c.B.Constant(name + "_bias", loader.TensorData(bias, "linear bias")) : null;
        c.Converter.AnnotateWeights(c.Module!, w, b, x);
        var y = TmLayers.Linear(c, x, w, b);
        return relu ? c.Emit(new Unary(UnaryFunction.Relu), y) : y;
    }

    private static Value Elemwise(TmCall c)
    {
        var method = (c.Attr("method") as string ?? throw c.Error("Elemwise module has no method")).ToLowerInvariant();
        var inputs = Enumerable.Range(0, c.Count).Select(i => c.Tensor(i, c.Arg(0) as Value)).ToArray();
        Value Two(BinaryFunction f) => c.Converter.Binary(f, inputs[0], inputs[1]);
        Value One(UnaryFunction f) => c.Emit(new Unary(f), inputs[0]);
        return method switch
        {
            "add" => Two(BinaryFunction.Add),
            "sub" => Two(BinaryFunction.Sub),
            "mul" => Two(BinaryFunction.Mul),
            "true_div" => Two(BinaryFunction.Div),
            "floor_div" => Two(BinaryFunction.FloorDiv),
            "pow" => Two(BinaryFunction.Pow),
            "max" => Two(BinaryFunction.Max),
            "min" => Two(BinaryFunction.Min),
            "mod" => Two(BinaryFunction.Mod),
            "relu" => One(UnaryFunction.Relu),
            "sigmoid" => One(UnaryFunction.Sigmoid),
            "tanh" => One(UnaryFunction.Tanh),
            "exp" => One(UnaryFunction.Exp),
            "log" => One(UnaryFunction.Log),
            "abs" => One(UnaryFunction.Abs),
            "ceil" => One(UnaryFunction.Ceil),
            "floor" => One(UnaryFunction.Floor),
            "negate" => One(UnaryFunction.Neg),
            "sqrt" => One(UnaryFunction.Sqrt),
            "hswish" => One(UnaryFunction.HardSwish),
            "hsigmoid" => c.Emit(new HardSigmoid(1f / 6f, 0.5f), inputs[0]),
            "relu6" => c.Emit(new Clip(0f, 6f), inputs[0]),
            "identity" => c.Emit(new Identity(), inputs[0]),
            "fuse_add_relu" => c.Emit(new Unary(UnaryFunction.Relu), Two(BinaryFunction.Add)),
            "fuse_add_sigmoid" => c.Emit(new Unary(UnaryFunction.Sigmoid), Two(BinaryFunction.Add)),
            "fuse_add_tanh" => c.Emit(new Unary(UnaryFunction.Tanh), Two(BinaryFunction.Add)),
            "fuse_mul_add3" => c.Converter.Binary(BinaryFunction.Add, Two(BinaryFunction.Mul), inputs[2]),
            _ => throw c.Error($"Elemwise method {method} is not supported"),
        };
    }

    internal static IEnumerable<Value> Tensors(TmCall c, object? list) =>
        list is PyList or PyTuple
            ? ((IEnumerable<object?>)list).Select(v => c.Converter.AsValue(v, null, c.Where))
            : throw c.Error($"expected a list of tensors, got {PyValues.Repr(list)}");

    internal static Value Pool(TmCall c, PoolKind kind, object? kernel, object? stride, object? padding, string? mode)
    {
        var k = c.Spatial(kernel, 2, "kernel_size");
        var s = stride is null ? k : c.Spatial(stride, 2, "stride");
        var p = padding is null ? [0, 0] : c.Spatial(padding, 2, "padding");
        var includePad = mode is not null && mode.ToLowerInvariant() == "average";
        return c.Emit(new Pool(kind, k, s, [p[0], p[1], p[0], p[1]], includePad), c.Tensor(0));
    }

    internal static Value AdaptivePool(TmCall c, PoolKind kind, object? oshp)
    {
        var size = c.Spatial(oshp, 2, "output size");
        return size.All(v => v == 1) ? c.Emit(new GlobalPool(kind), c.Tensor(0)) : c.Emit(new AdaptivePool(kind, size), c.Tensor(0));
    }

    private static Value PReluSlope(TmCall c)
    {
        var slope = c.Converter.Loader.TensorData(c.Attr("weight"), "prelu weight");
        var x = c.Tensor(0);
        var rank = x.Shape.Rank;
        var dims = new long[rank - 1];
        Array.Fill(dims, 1L);
        dims[0] = slope.ElementCount;
        return c.B.Constant(c.Converter.Prefix + c.Expr.Inputs[0].Name + "_weight", TmFolding.Reshaped(slope, dims));
    }

    private static Value LayerNormModule(TmCall c)
    {
        var loader = c.Converter.Loader;
        var shape = c.Converter.AsLongs(c.Attr("normalized_shape"), c.Where) ?? throw c.Error("LayerNorm without normalized_shape");
        PyValues.TryGetDouble(c.Attr("eps"), out var eps);
        var name = c.Converter.Prefix + c.Expr.Inputs[0].Name;
        var affine = PyValues.IsTrue(c.Attr("affine"));
        var w = affine && c.Attr("weight") is { } wo ? c.B.Constant(name + "_weight", TmFolding.Reshaped(loader.TensorData(wo, "weight"), shape)) : null;
        var b = affine && c.Attr("bias") is { } bo ? c.B.Constant(name + "_bias", TmFolding.Reshaped(loader.TensorData(bo, "bias"), shape)) : null;
        return c.Emit(new LayerNorm(-shape.Length, (float)eps), c.Tensor(0), w, b);
    }
}
