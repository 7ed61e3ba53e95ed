using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Tests.TFLite;

/// <summary>A hand-built IR graph mirroring fixture-net ops, with its input data.</summary>
public sealed record TFLiteCase(string Name, Graph Graph, Dictionary<Value, Dense> Inputs, bool IsCnn, double Atol = 1e-4, double Rtol = 1e-4);

/// <summary>The graphs the TFLite writer tests convert and run.</summary>
public static class TFLiteTestGraphs
{
    public static IEnumerable<TFLiteCase> All()
    {
        yield return ConvBiasRelu();
        yield return Depthwise();
        yield return StridedAsymmetricConv();
        yield return TransposedConv("deconv_k3_s2_p1_op1", 3, 1, 1);
        yield return TransposedConv("deconv_k4_s2_p1", 4, 1, 0);
        yield return TransposedConv("deconv_group2_k3_s2_p0", 3, 0, 0, 2);
        yield return TransposedConv("deconv_group4_k2_s2_p0", 2, 0, 0, 4);
        yield return TransposedConv("deconv_group8_k3_s2_p1", 3, 1, 1, 8, inChannels: 8);
        yield return Pools();
        yield return Linear();
        yield return BatchedMatMul();
        yield return ConcatChannels();
        yield return SoftmaxChannels();
        yield return ReduceMeanSpatial();
        yield return FlattenAfterConv();
        yield return Broadcasting();
        yield return Resizes();
        yield return Pads();
        yield return Slices();
        yield return ResNetBlock();
        yield return QuantizedConv();
        yield return SequenceOps();
        yield return QuantizedInterface();
        yield return ChannelShuffle();
        yield return QuantizedLinear();
    }

    private static Random Rng(string name) => new(name.Aggregate(17, (h, c) => (h * 31) + c));

    private static float[] Randoms(Random r, long n, double scale = 1) => [.. Enumerable.Range(0, (int)n).Select(_ => (float)((r.NextDouble() * 2 - 1) * scale))];

    private static Value Weight(GraphBuilder b, Random r, string name, params long[] shape) =>
        b.Constant(name, Tensor.FromFloats(new Shape(shape), Randoms(r, shape.Aggregate(1L, (p, d) => p * d), 0.5)));

    private static (GraphBuilder B, Value X, Dictionary<Value, Dense> Inputs) Start(string name, Random r, params long[] shape)
    {
        var b = new GraphBuilder(name);
        var x = b.Input("x", DataType.Float32, new Shape(shape));
        return (b, x, new() { [x] = new Dense(shape, [.. Randoms(r, shape.Aggregate(1L, (p, d) => p * d)).Select(v => (double)v)]) });
    }

    private static Value Conv(GraphBuilder b, Random r, Value x, long outC, long k, long stride = 1, long pad = 0, long group = 1, bool bias = true, string name = "conv")
    {
        var inC = x.Shape[1];
        var w = Weight(b, r, name + "_w", outC, inC / group, k, k);
        var bv = bias ? Weight(b, r, name + "_b", outC) : null;
        return b.Apply(new Conv([stride, stride], [pad, pad, pad, pad], [1, 1], group), x, w, bv);
    }

    private static TFLiteCase ConvBiasRelu()
    {
        var r = Rng("conv");
        var (b, x, inputs) = Start("conv_bias_relu", r, 1, 3, 8, 8);
        var y = b.Apply(new Unary(UnaryFunction.Relu), Conv(b, r, x, 6, 3, 1, 1));
        b.Output(y);
        return new("conv_bias_relu", b.Graph, inputs, true);
    }

    private static TFLiteCase Depthwise()
    {
        var r = Rng("dw");
        var (b, x, inputs) = Start("depthwise", r, 1, 4, 7, 7);
        var y = Conv(b, r, x, 8, 3, 1, 1, group: 4);
        b.Output(b.Apply(new Clip(0, 6), y));
        b.Output(Conv(b, r, x, 6, 3, 1, 1, group: 2, name: "grouped"));
        return new("depthwise_and_grouped_conv", b.Graph, inputs, true);
    }

    private static TFLiteCase StridedAsymmetricConv()
    {
        var r = Rng("asym");
        var (b, x, inputs) = Start("strided", r, 1, 3, 9, 9);
        var w = Weight(b, r, "w", 5, 3, 3, 3);
        b.Output(b.Apply(new Conv([2, 2], [1, 0, 2, 1], [1, 1]), x, w));
        var same = b.Apply(new Conv([2, 2], [1, 1, 1, 1], [1, 1]), x, Weight(b, r, "w2", 4, 3, 3, 3));
        b.Output(same);
        b.Output(b.Apply(new Conv([2, 2], [0, 0, 1, 1], [1, 1]), x, Weight(b, r, "w3", 2, 3, 2, 2)));
        return new("strided_conv_asymmetric_pads", b.Graph, inputs, true);
    }

    private static TFLiteCase TransposedConv(string name, long k, long pad, long outputPadding, long group = 1, long inChannels = 4)
    {
        var r = Rng(name);
        var (b, x, inputs) = Start(name, r, 1, inChannels, 5, 5);
        var w = Weight(b, r, "w", inChannels, 3, k, k);
        var bias = Weight(b, r, "bias", 3 * group);
        b.Output(b.Apply(new ConvTranspose([2, 2], [pad, pad, pad, pad], [1, 1], group, [outputPadding, outputPadding]), x, w, bias));
        return new(name, b.Graph, inputs, true);
    }

    private static TFLiteCase Pools()
    {
        var r = Rng("pool");
        var (b, x, inputs) = Start("pools", r, 1, 3, 9, 9);
        b.Output(b.Apply(new Pool(PoolKind.Max, [3, 3], [2, 2], [1, 1, 1, 1]), x));
        b.Output(b.Apply(new Pool(PoolKind.Average, [2, 2], [2, 2], [0, 0, 0, 0]), x));
        b.Output(b.Apply(new Pool(PoolKind.Average, [3, 3], [1, 1], [1, 1, 1, 1], CountIncludePad: false), x));
        b.Output(b.Apply(new Pool(PoolKind.Average, [3, 3], [2, 2], [1, 1, 1, 1], CountIncludePad: true), x));
        b.Output(b.Apply(new Pool(PoolKind.Average, [3, 3], [2, 2], [0, 0, 1, 1], CountIncludePad: false), x));
        return new("max_and_average_pools", b.Graph, inputs, true);
    }

    private static TFLiteCase Linear()
    {
        var r = Rng("linear");
        var (b, x, inputs) = Start("linear", r, 2, 16);
        b.Output(b.Apply(new Gemm(TransB: true), x, Weight(b, r, "w", 10, 16), Weight(b, r, "b", 10)));
        b.Output(b.Apply(new MatMul(), x, Weight(b, r, "w2", 16, 7)));
        b.Output(b.Apply(new Gemm(Alpha: 0.5f, Activation: FusedActivation.Relu), x, Weight(b, r, "w3", 16, 3), Weight(b, r, "c3", 2, 3)));
        return new("linear_gemm_transb", b.Graph, inputs, false);
    }

    private static TFLiteCase BatchedMatMul()
    {
        var r = Rng("bmm");
        var (b, x, inputs) = Start("bmm", r, 2, 3, 4, 5);
        var y = b.Input("y", DataType.Float32, new Shape(2, 3, 5, 6));
        inputs[y] = new Dense([2, 3, 5, 6], [.. Randoms(r, 180).Select(v => (double)v)]);
        b.Output(b.Apply(new MatMul(), x, y));
        return new("batched_matmul", b.Graph, inputs, false);
    }

    private static TFLiteCase ConcatChannels()
    {
        var r = Rng("concat");
        var (b, x, inputs) = Start("concat", r, 1, 3, 6, 6);
        var a = Conv(b, r, x, 4, 1, name: "a");
        var c = Conv(b, r, x, 2, 3, 1, 1, name: "c");
        var cat = b.Apply(new Concat(1), a, c);
        b.Output(Conv(b, r, cat, 3, 1, name: "d"));
        return new("concat_channels", b.Graph, inputs, true);
    }

    private static TFLiteCase SoftmaxChannels()
    {
        var r = Rng("softmax");
        var (b, x, inputs) = Start("softmax", r, 1, 3, 4, 5);
        b.Output(b.Apply(new Softmax(1), Conv(b, r, x, 5, 1)));
        return new("softmax_channel_axis", b.Graph, inputs, true);
    }

    private static TFLiteCase ReduceMeanSpatial()
    {
        var r = Rng("mean");
        var (b, x, inputs) = Start("mean", r, 2, 3, 5, 5);
        var c = Conv(b, r, x, 4, 3);
        b.Output(b.Apply(new Reduce(ReduceKind.Mean, [2, 3], KeepDims: false), c));
        b.Output(b.Apply(new Reduce(ReduceKind.Max, [1], KeepDims: true), c));
        return new("reduce_mean_spatial", b.Graph, inputs, true);
    }

    private static TFLiteCase FlattenAfterConv()
    {
        var r = Rng("flatten");
        var (b, x, inputs) = Start("flatten", r, 2, 3, 4, 4);
        var c = b.Apply(new Unary(UnaryFunction.Relu), Conv(b, r, x, 2, 3, 1, 1));
        var f = b.Apply(new Flatten(1), c);
        b.Output(b.Apply(new Gemm(TransB: true), f, Weight(b, r, "fc_w", 5, 32), Weight(b, r, "fc_b", 5)));
        return new("flatten_after_conv", b.Graph, inputs, true);
    }

    private static TFLiteCase Broadcasting()
    {
        var r = Rng("bcast");
        var (b, x, inputs) = Start("bcast", r, 1, 4, 5, 5);
        var c = Conv(b, r, x, 4, 1);
        var scaled = b.Apply(new Binary(BinaryFunction.Mul), c, Weight(b, r, "s", 4, 1, 1));
        var shifted = b.Apply(new Binary(BinaryFunction.Sub), scaled, b.Constant("k", Tensor.FromFloats(new Shape(1), 0.25f)));
        var pooled = b.Apply(new Reduce(ReduceKind.Mean, [2, 3]), shifted);
        var gated = b.Apply(new Binary(BinaryFunction.Mul), shifted, b.Apply(new Unary(UnaryFunction.Sigmoid), pooled));
        var both = b.Apply(new Binary(BinaryFunction.Max), gated, x);
        b.Output(b.Apply(new Binary(BinaryFunction.Add), both, Weight(b, r, "row", 5)));
        return new("elementwise_broadcasting", b.Graph, inputs, true);
    }

    private static TFLiteCase Resizes()
    {
        var r = Rng("resize");
        var (b, x, inputs) = Start("resize", r, 1, 2, 4, 5);
        var c = Conv(b, r, x, 3, 1);
        b.Output(b.Apply(new Resize([1, 3, 8, 10], null, ResizeMode.Linear, CoordinateTransform.HalfPixel), c));
        b.Output(b.Apply(new Resize([1, 3, 7, 9], null, ResizeMode.Linear, CoordinateTransform.AlignCorners), c));
        b.Output(b.Apply(new Resize([1, 3, 8, 15], null, ResizeMode.Nearest, CoordinateTransform.Asymmetric, NearestRounding.Floor), c));
        return new("resize_bilinear_nearest", b.Graph, inputs, true);
    }

    private static TFLiteCase Pads()
    {
        var r = Rng("pad");
        var (b, x, inputs) = Start("pad", r, 1, 2, 5, 6);
        var c = Conv(b, r, x, 3, 1);
        b.Output(b.Apply(new Pad([0, 0, 1, 2, 0, 0, 2, 1]), c));
        b.Output(b.Apply(new Pad([0, 0, 2, 1, 0, 0, 1, 2], PadMode.Reflect), c));
        b.Output(b.Apply(new Pad([0, 1, 0, 0, 0, 2, 1, 0], PadMode.Constant, 1.5f), c));
        b.Output(b.Apply(new Pad([0, 0, 3, 1, 0, 0, 2, 2], PadMode.Edge), c));
        b.Output(b.Apply(new Pad([0, 0, 1, 0, 0, 0, 0, 1], PadMode.Edge), c));
        return new("pad_constant_reflect_edge", b.Graph, inputs, true);
    }

    private static TFLiteCase Slices()
    {
        var r = Rng("slice");
        var (b, x, inputs) = Start("slice", r, 1, 6, 7, 8);
        var c = Conv(b, r, x, 6, 1);
        b.Output(b.Apply(new Slice([1, 1, -1], [5, 7, 0], [1, 2, 3], [2, 2, -2]), c));
        b.Output(b.Apply(new Slice([0, 2], [3, 100], [1, 3], [1, 1]), c));
        return new("strided_slices", b.Graph, inputs, true);
    }

    private static Value BatchNorm(GraphBuilder b, Random r, Value x, string name)
    {
        var c = x.Shape[1];
        var gamma = b.Constant(name + "_g", Tensor.FromFloats(new Shape(c), [.. Randoms(r, c).Select(v => 1 + (v * 0.2f))]));
        var beta = Weight(b, r, name + "_beta", c);
        var mean = Weight(b, r, name + "_mean", c);
        var variance = b.Constant(name + "_var", Tensor.FromFloats(new Shape(c), [.. Randoms(r, c).Select(v => 1 + (v * 0.5f))]));
        return b.Apply(new BatchNorm(1e-5f), x, gamma, beta, mean, variance);
    }

    private static TFLiteCase ResNetBlock()
    {
        var r = Rng("resnet");
        var (b, x, inputs) = Start("resnet", r, 1, 3, 8, 8);
        var stem = b.Apply(new Unary(UnaryFunction.Relu), BatchNorm(b, r, Conv(b, r, x, 8, 3, 1, 1, bias: false, name: "stem"), "bn0"));
        var p = b.Apply(new Pool(PoolKind.Max, [2, 2], [2, 2], [0, 0, 0, 0]), stem);
        var h = b.Apply(new Unary(UnaryFunction.Relu), BatchNorm(b, r, Conv(b, r, p, 8, 3, 1, 1, bias: false, name: "c1"), "bn1"));
        h = BatchNorm(b, r, Conv(b, r, h, 8, 3, 1, 1, bias: false, name: "c2"), "bn2");
        var sum = b.Apply(new Unary(UnaryFunction.Relu), b.Apply(new Binary(BinaryFunction.Add), h, p));
        var down = Conv(b, r, sum, 16, 3, 2, 1, name: "down");
        var gap = b.Apply(new GlobalPool(PoolKind.Average), down);
        var flat = b.Apply(new Flatten(1), gap);
        b.Output(b.Apply(new Gemm(TransB: true), flat, Weight(b, r, "fc_w", 10, 16), Weight(b, r, "fc_b", 10)));
        return new("resnet_block", b.Graph, inputs, true);
    }

    /// <summary>int8 in, int8 out (no QUANTIZE/DEQUANTIZE): values fed and read as stored integers.</summary>
    private static TFLiteCase QuantizedInterface()
    {
        var r = Rng("qio");
        var b = new GraphBuilder("qio");
        const float inScale = 0.05f;
        const float outScale = 0.1f;
        var x = b.Input("x", DataType.Quantized(ElementType.Int8, inScale, 3), new Shape(1, 4, 5, 5));
        var stored = Enumerable.Range(0, 100).Select(_ => (double)r.Next(-100, 100)).ToArray();
        var inputs = new Dictionary<Value, Dense> { [x] = new Dense([1, 4, 5, 5], [.. stored.Select(q => (q - 3) * inScale)]) };
        var wScales = new float[] { 0.01f, 0.02f, 0.015f, 0.01f, 0.03f, 0.02f };
        var wType = new DataType(ElementType.Int8, new QuantParams(wScales, new long[6], 0));
        var w = b.Constant("w", Tensor.Create(wType, new Shape(6, 4, 1, 1), Randoms(r, 24, 30).Select(v => (sbyte)Math.Round(v)).ToArray()));
        var conv = b.Apply(new Conv([1, 1], [0, 0, 0, 0], [1, 1], Activation: FusedActivation.Relu), x, w);
        conv.Type = new TensorType(DataType.Quantized(ElementType.Int8, outScale, -128), conv.Shape);
        var pooled = b.Apply(new Pool(PoolKind.Max, [2, 2], [1, 1], [0, 0, 0, 0]), conv);
        b.Output(pooled);
        var other = b.Apply(new Conv([1, 1], [0, 0, 0, 0], [1, 1]), x, w);
        other.Type = new TensorType(DataType.Quantized(ElementType.Int8, 0.09f, -10), other.Shape);
        var joined = b.Apply(new Concat(1), conv, other);
        joined.Type = new TensorType(DataType.Quantized(ElementType.Int8, outScale, 0), joined.Shape);
        b.Output(joined);
        return new("int8_interface_conv_pool_concat", b.Graph, inputs, true, Atol: 1.5 * outScale);
    }

    private static TFLiteCase QuantizedLinear()
    {
        var r = Rng("qlinear");
        var b = new GraphBuilder("qlinear");
        const float inScale = 0.03f;
        const float outScale = 0.05f;
        var x = b.Input("x", DataType.Quantized(ElementType.Int8, inScale, -2), new Shape(2, 8));
        var stored = Enumerable.Range(0, 16).Select(_ => (double)r.Next(-120, 120)).ToArray();
        var inputs = new Dictionary<Value, Dense> { [x] = new Dense([2, 8], [.. stored.Select(q => (q + 2) * inScale)]) };
        var wScales = new float[] { 0.01f, 0.02f, 0.015f, 0.012f };
        var w = b.Constant("w", Tensor.Create(new DataType(ElementType.Int8, new QuantParams(wScales, new long[4], 0)), new Shape(4, 8),
            Randoms(r, 32, 100).Select(v => (sbyte)Math.Round(v)).ToArray()));
        var biasType = new DataType(ElementType.Int32, new QuantParams([.. wScales.Select(s => s * inScale)], new long[4], 0));
        var bias = b.Constant("bias", Tensor.Create(biasType, new Shape(4), new[] { 300, -200, 50, 0 }));
        var y = b.Apply(new Gemm(TransB: true, Activation: FusedActivation.Relu), x, w, bias);
        y.Type = new TensorType(DataType.Quantized(ElementType.Int8, outScale, -128), y.Shape);
        b.Output(y);
        return new("int8_linear_per_channel_relu", b.Graph, inputs, false, Atol: 1.01 * outScale);
    }

    private static TFLiteCase ChannelShuffle()
    {
        var r = Rng("shuffle");
        var (b, x, inputs) = Start("shuffle", r, 1, 3, 5, 5);
        var c = Conv(b, r, x, 6, 1);
        var grouped = b.Apply(new Reshape([1, 2, 3, 5, 5]), c);
        var swapped = b.Apply(new Transpose([0, 2, 1, 3, 4]), grouped);
        var shuffled = b.Apply(new Reshape([1, 6, 5, 5]), swapped);
        b.Output(Conv(b, r, shuffled, 4, 3, 1, 1, group: 2, name: "after"));
        return new("channel_shuffle", b.Graph, inputs, true);
    }

    private static TFLiteCase SequenceOps()
    {
        var r = Rng("seq");
        var (b, x, inputs) = Start("seq", r, 2, 5, 6);
        var ln = b.Apply(new LayerNorm(-1, 1e-5f), x, Weight(b, r, "ln_g", 6), Weight(b, r, "ln_b", 6));
        var t = b.Apply(new Transpose([0, 2, 1]), ln);
        var s = b.Apply(new Softmax(1), t);
        var parts = b.ApplyMulti(new Split(2, [2, 3]), s);
        var g = b.Apply(new Gather(1), parts[1], b.Constant("idx", Tensor.FromInt64s(new Shape(3), 0, 5, -1)));
        var tiled = b.Apply(new Tile([1, 1, 2]), parts[0]);
        var centered = b.Apply(new Binary(BinaryFunction.Sub), tiled, b.Constant("half", Tensor.FromFloats(new Shape(1), 0.2f)));
        var scaled = b.Apply(new Binary(BinaryFunction.Mul), centered, b.Constant("ten", Tensor.FromFloats(new Shape(1), 10f)));
        var acts = new[]
        {
            b.Apply(new HardSigmoid(0.2f, 0.5f), scaled),
            b.Apply(new Unary(UnaryFunction.Silu), scaled),
            b.Apply(new Unary(UnaryFunction.HardSwish), scaled),
            b.Apply(new LeakyRelu(0.1f), scaled),
            b.Apply(new Elu(0.5f), scaled),
            b.Apply(new Clip(-0.5f, 0.7f), scaled),
            b.Apply(new Where(), b.Apply(new Binary(BinaryFunction.Greater), scaled, b.Constant("zero", Tensor.FromFloats(new Shape(1), 0f))),
                scaled, b.Apply(new Binary(BinaryFunction.Mul), scaled, b.Constant("q", Tensor.FromFloats(new Shape(1), 0.5f)))),
        };
        foreach (var a in acts)
        {
            b.Output(a);
        }

        b.Output(g);
        b.Output(b.Apply(new Cast(DataType.Float32), b.Apply(new ArgReduce(true, -1, KeepDims: false), scaled)));
        b.Output(b.Apply(new Expand([2, 6, 4]), b.Constant("row", Tensor.FromFloats(new Shape(1, 4), 1, 2, 3, 4))));
        return new("sequence_ops", b.Graph, inputs, false);
    }

    private static TFLiteCase QuantizedConv()
    {
        var r = Rng("qconv");
        var (b, x, inputs) = Start("qconv", r, 1, 3, 6, 6);
        const float inScale = 1f / 127;
        const float outScale = 0.04f;
        var q = b.Apply(new Cast(DataType.Quantized(ElementType.Int8, inScale)), x);
        var wScales = new float[] { 0.004f, 0.006f, 0.003f, 0.005f };
        var wData = Randoms(r, 4 * 3 * 3 * 3, 120).Select(v => (sbyte)Math.Round(v)).ToArray();
        var wType = new DataType(ElementType.Int8, new QuantParams(wScales, new long[4], 0));
        var w = b.Constant("w", Tensor.Create(wType, new Shape(4, 3, 3, 3), wData));
        var biasType = new DataType(ElementType.Int32, new QuantParams([.. wScales.Select(s => s * inScale)], new long[4], 0));
        var bias = b.Constant("bias", Tensor.Create(biasType, new Shape(4), new[] { 500, -300, 0, 1200 }));
        var conv = b.Apply(new Conv([1, 1], [1, 1, 1, 1], [1, 1]), q, w, bias);
        conv.Type = new TensorType(DataType.Quantized(ElementType.Int8, outScale), conv.Shape);
        b.Output(b.Apply(new Cast(DataType.Float32), conv));
        return new("int8_conv_per_channel", b.Graph, inputs, true, Atol: 2.01 * outScale);
    }
}
