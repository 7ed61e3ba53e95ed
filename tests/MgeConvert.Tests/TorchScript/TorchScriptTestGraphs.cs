using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Tests.TorchScript;

/// <summary>A hand-built IR graph and its input tensors (in graph-input order).</summary>
public sealed record TorchScriptCase(string Name, Graph Graph, IReadOnlyList<Tensor> Inputs, double Atol = 1e-5, double Rtol = 1e-5);

/// <summary>Graphs covering the IR ops TorchScript can express beyond what the fixture corpus exercises.</summary>
public static class TorchScriptTestGraphs
{
    public static IEnumerable<TorchScriptCase> All()
    {
        yield return Convolutions();
        yield return TransposedConvolutions();
        yield return Pools();
        yield return Normalizations();
        yield return GemmVariants();
        yield return UnaryFunctions();
        yield return BinaryFunctions();
        yield return IntegerArithmetic();
        yield return Activations();
        yield return Reductions();
        yield return ShapeOps();
        yield return Indexing();
        yield return Pads();
        yield return Resizes();
        yield return Casts();
        yield return FakeQuantization();
        yield return QuantizedOutputs();
    }

    private sealed class Builder(string name)
    {
        private readonly Random _random = new(name.Aggregate(17, (h, c) => (h * 31) + c));
        private readonly List<Tensor> _inputs = [];

        public GraphBuilder B { get; } = new(name);

        public Value Input(params long[] shape) => Input(1.0, shape);

        public Value Input(double scale, params long[] shape)
        {
            var data = Floats(shape, scale);
            _inputs.Add(data);
            return B.Input("x" + _inputs.Count, DataType.Float32, new Shape(shape));
        }

        public Value IntInput(Tensor data)
        {
            _inputs.Add(data);
            return B.Input("x" + _inputs.Count, data.DType, data.Shape);
        }

        public Value Weight(params long[] shape) => B.Constant("w", Floats(shape, 0.5));

        public Value Apply(Op op, params Value?[] inputs) => B.Apply(op, inputs);

        public void Out(params Value[] values)
        {
            foreach (var v in values)
            {
                B.Output(v);
            }
        }

        public TorchScriptCase Done(double atol = 1e-5, double rtol = 1e-5) => new(name, B.Graph, _inputs, atol, rtol);

        private Tensor Floats(long[] shape, double scale) =>
            Tensor.FromFloats(new Shape(shape), [.. Enumerable.Range(0, (int)shape.Aggregate(1L, (p, d) => p * d))
                .Select(_ => (float)(((_random.NextDouble() * 2) - 1) * scale))]);
    }

    private static TorchScriptCase Convolutions()
    {
        var t = new Builder("convolutions");
        var x1 = t.Input(1, 3, 11);
        t.Out(t.Apply(new Conv([2], [1, 2], [1]), x1, t.Weight(4, 3, 3), t.Weight(4)));
        var x2 = t.Input(1, 4, 9, 8);
        t.Out(t.Apply(new Conv([1, 2], [1, 0, 2, 1], [2, 1], 2, FusedActivation.Relu6), x2, t.Weight(6, 2, 3, 3), t.Weight(6)));
        var x3 = t.Input(1, 2, 5, 6, 7);
        t.Out(t.Apply(new Conv([1, 1, 2], [1, 1, 1, 1, 1, 1], [1, 1, 1]), x3, t.Weight(3, 2, 3, 3, 3), null));
        return t.Done(1e-4);
    }

    private static TorchScriptCase TransposedConvolutions()
    {
        var t = new Builder("transposed_convolutions");
        var x = t.Input(1, 4, 5, 6);
        t.Out(t.Apply(new ConvTranspose([2, 2], [1, 1, 1, 1], [1, 1], 2, [1, 1]), x, t.Weight(4, 3, 3, 3), t.Weight(6)));
        t.Out(t.Apply(new ConvTranspose([2, 1], [1, 0, 0, 1], [1, 1], 1, [1, 0], FusedActivation.Relu), x, t.Weight(4, 2, 3, 2), t.Weight(2)));
        var x1 = t.Input(2, 3, 7);
        t.Out(t.Apply(new ConvTranspose([3], [2, 2], [1]), x1, t.Weight(3, 2, 4), null));
        return t.Done(1e-4);
    }

    private static TorchScriptCase Pools()
    {
        var t = new Builder("pools");
        var x = t.Input(1, 3, 9, 10);
        t.Out(
            t.Apply(new Pool(PoolKind.Max, [3, 3], [2, 2], [1, 0, 2, 1], CeilMode: true), x),
            t.Apply(new Pool(PoolKind.Average, [3, 3], [2, 2], [1, 1, 1, 1], CountIncludePad: true, CeilMode: true), x),
            t.Apply(new Pool(PoolKind.Average, [3, 3], [2, 2], [1, 1, 1, 1], CountIncludePad: false), x),
            t.Apply(new Pool(PoolKind.Average, [3, 2], [2, 2], [2, 0, 0, 1], CountIncludePad: false), x),
            t.Apply(new Pool(PoolKind.Average, [3, 2], [1, 2], [0, 1, 2, 1], CountIncludePad: true), x),
            t.Apply(new AdaptivePool(PoolKind.Average, [4, 3]), x),
            t.Apply(new AdaptivePool(PoolKind.Max, [3, 4]), x),
            t.Apply(new GlobalPool(PoolKind.Max), x),
            t.Apply(new GlobalPool(PoolKind.Average), x));
        var x1 = t.Input(2, 3, 10);
        t.Out(t.Apply(new Pool(PoolKind.Max, [3], [2], [1, 1]), x1), t.Apply(new Pool(PoolKind.Average, [4], [3], [0, 0], CeilMode: true), x1));
        return t.Done();
    }

    private static TorchScriptCase Normalizations()
    {
        var t = new Builder("normalizations");
        var x = t.Input(2, 3, 4, 5);
        t.Out(
            t.Apply(new InstanceNorm(1e-3f), x, t.Weight(3), t.Weight(3)),
            t.Apply(new LayerNorm(-2, 1e-4f), x, t.Weight(4, 5), t.Weight(4, 5)),
            t.Apply(new LayerNorm(1), x),
            t.Apply(new BatchNorm(1e-3f), x, t.Weight(3), t.Weight(3), t.Weight(3),
                t.B.Constant("var", Tensor.FromFloats(new Shape(3), 0.5f, 1.5f, 2f))));
        return t.Done(1e-4, 1e-4);
    }

    private static TorchScriptCase GemmVariants()
    {
        var t = new Builder("gemm_variants");
        var a = t.Input(5, 4);
        t.Out(
            t.Apply(new Gemm(TransA: true, TransB: true, Alpha: 0.5f, Beta: 2f, Activation: FusedActivation.Relu6), a, t.Weight(3, 5), t.Weight(3)),
            t.Apply(new Gemm(Alpha: 1.5f), a, t.Weight(4, 2)),
            t.Apply(new MatMul(), t.Input(2, 1, 3, 4), t.Weight(3, 4, 2)));
        return t.Done(1e-5, 1e-4);
    }

    private static TorchScriptCase UnaryFunctions()
    {
        var t = new Builder("unary_functions");
        var x = t.Input(3.0, 2, 7);
        var p = t.Apply(new Binary(BinaryFunction.Add), t.Apply(new Unary(UnaryFunction.Abs), x), t.B.Constant(Tensor.Scalar(0.5f)));
        foreach (var f in Enum.GetValues<UnaryFunction>().Where(f => f != UnaryFunction.Not))
        {
            t.Out(t.Apply(new Unary(f), f is UnaryFunction.Log or UnaryFunction.Sqrt or UnaryFunction.Reciprocal ? p : x));
        }

        t.Out(t.Apply(new Unary(UnaryFunction.Not), t.Apply(new Binary(BinaryFunction.Greater), x, p)));
        return t.Done(1e-5, 1e-5);
    }

    private static TorchScriptCase BinaryFunctions()
    {
        var t = new Builder("binary_functions");
        var a = t.Input(3.0, 2, 3, 4);
        var b = t.Input(3.0, 3, 1);
        var positive = t.Apply(new Unary(UnaryFunction.Abs), a);
        var less = t.Apply(new Binary(BinaryFunction.Less), a, b);
        var greater = t.Apply(new Binary(BinaryFunction.Greater), a, t.B.Constant(Tensor.Scalar(0f)));
        t.Out(
            t.Apply(new Binary(BinaryFunction.Sub, FusedActivation.Sigmoid), a, b),
            t.Apply(new Binary(BinaryFunction.Div), a, b),
            t.Apply(new Binary(BinaryFunction.Pow), positive, b),
            t.Apply(new Binary(BinaryFunction.Pow), a, t.B.Constant(Tensor.Scalar(3f))),
            t.Apply(new Binary(BinaryFunction.Max), a, b),
            t.Apply(new Binary(BinaryFunction.Min), a, b),
            t.Apply(new Binary(BinaryFunction.FloorDiv), a, b),
            t.Apply(new Binary(BinaryFunction.Mod), a, b),
            t.Apply(new Binary(BinaryFunction.Mul, FusedActivation.Tanh), a, t.B.Constant(Tensor.Scalar(0.25f))),
            t.Apply(new Binary(BinaryFunction.Equal), t.Apply(new Unary(UnaryFunction.Floor), a), t.Apply(new Unary(UnaryFunction.Floor), b)),
            t.Apply(new Binary(BinaryFunction.LessOrEqual), a, b),
            t.Apply(new Binary(BinaryFunction.GreaterOrEqual), a, b),
            t.Apply(new Binary(BinaryFunction.And), less, greater),
            t.Apply(new Binary(BinaryFunction.Or), less, greater),
            t.Apply(new Binary(BinaryFunction.Xor), less, greater),
            t.Apply(new Where(), less, a, b));
        return t.Done(1e-5, 1e-5);
    }

    private static TorchScriptCase IntegerArithmetic()
    {
        var t = new Builder("integer_arithmetic");
        var a = t.IntInput(Tensor.FromInt32s(new Shape(2, 4), 7, -7, 9, -9, 0, 5, -12, 13));
        var b = t.IntInput(Tensor.FromInt32s(new Shape(4), 2, 3, -4, -5));
        t.Out(
            t.Apply(new Binary(BinaryFunction.Div), a, b),
            t.Apply(new Binary(BinaryFunction.FloorDiv), a, b),
            t.Apply(new Binary(BinaryFunction.Mod), a, b),
            t.Apply(new Binary(BinaryFunction.Add), a, b),
            t.Apply(new Binary(BinaryFunction.Max), a, b));
        return t.Done(0, 0);
    }

    private static TorchScriptCase Activations()
    {
        var t = new Builder("activations");
        var x = t.Input(4.0, 2, 3, 5);
        t.Out(
            t.Apply(new Clip(-0.5f, 2f), x),
            t.Apply(new Clip(float.NegativeInfinity, 1f), x),
            t.Apply(new LeakyRelu(0.2f), x),
            t.Apply(new Elu(0.7f), x),
            t.Apply(new Selu(), x),
            t.Apply(new HardSigmoid(1f / 6, 0.5f), x),
            t.Apply(new Gelu(), x),
            t.Apply(new Gelu(TanhApproximation: true), x),
            t.Apply(new PRelu(), x, t.Weight(3, 1)),
            t.Apply(new Softmax(1), x),
            t.Apply(new LogSoftmax(-1), x),
            t.Apply(new Identity(), x),
            t.Apply(new Dropout(), x));
        return t.Done(1e-5, 1e-4);
    }

    private static TorchScriptCase Reductions()
    {
        var t = new Builder("reductions");
        var x = t.Input(2.0, 2, 3, 4);
        foreach (var kind in Enum.GetValues<ReduceKind>())
        {
            var input = kind is ReduceKind.LogSum ? t.Apply(new Unary(UnaryFunction.Abs), x) : x;
            t.Out(t.Apply(new Reduce(kind, [2, 0], KeepDims: false), input), t.Apply(new Reduce(kind, [-2], KeepDims: true), input));
        }

        t.Out(t.Apply(new Reduce(ReduceKind.Sum, []), x));
        t.Out(t.Apply(new ArgReduce(true, 1, KeepDims: false), x), t.Apply(new ArgReduce(false, -1), x));
        var top = t.B.ApplyMulti(new TopK(2, 2), x);
        var bottom = t.B.ApplyMulti(new TopK(3, 1, Largest: false), x);
        t.Out(top[0], top[1], bottom[0], bottom[1]);
        return t.Done(1e-5, 1e-5);
    }

    private static TorchScriptCase ShapeOps()
    {
        var t = new Builder("shape_ops");
        var x = t.Input(2, 1, 3, 4);
        var parts = t.B.ApplyMulti(new Split(3, [1, 3]), x);
        t.Out(
            t.Apply(new Reshape([0, 3, -1]), x),
            t.Apply(new Flatten(2), x),
            t.Apply(new Transpose([3, 0, 2, 1]), x),
            t.Apply(new Squeeze([1]), x),
            t.Apply(new Unsqueeze([0, -1]), x),
            t.Apply(new Tile([1, 2, 1, 3]), x),
            t.Apply(new Expand([3, 2, 4, 3, 1]), t.Apply(new Slice([0], [1], [3], [1]), x)),
            t.Apply(new Concat(1), x, x, t.Input(2, 2, 3, 4)),
            parts[0],
            parts[1],
            t.Apply(new Slice([-1, 0, 3], [-10, 9, 0], [2, 3, 0], [-2, 2, -1]), x));
        return t.Done();
    }

    private static TorchScriptCase Indexing()
    {
        var t = new Builder("indexing");
        var x = t.Input(3, 4, 5);
        var index = t.IntInput(Tensor.FromInt64s(new Shape(2, 2), 0, -1, 2, 1));
        var elements = t.IntInput(Tensor.FromInt32s(new Shape(3, 2, 5), [.. Enumerable.Range(0, 30).Select(i => (i * 7) % 4)]));
        t.Out(
            t.Apply(new Gather(1), x, t.B.Constant(Tensor.FromInt64s(new Shape(3), 3, -1, 0))),
            t.Apply(new Gather(-1), x, t.B.Constant(Tensor.FromInt64s(Shape.Scalar, 2))),
            t.Apply(new Gather(0), x, index),
            t.Apply(new GatherElements(1), x, elements));
        return t.Done();
    }

    private static TorchScriptCase Pads()
    {
        var t = new Builder("pads");
        var x = t.Input(1, 2, 5, 6);
        t.Out(
            t.Apply(new Pad([0, 1, 2, 0, 0, 0, 1, 3], PadMode.Constant, 1.5f), x),
            t.Apply(new Pad([0, 0, 2, 1, 0, 0, 1, 3], PadMode.Reflect), x),
            t.Apply(new Pad([0, 0, 2, 1, 0, 0, 1, 3], PadMode.Edge), x),
            t.Apply(new Pad([0, 0, 0, -1, 0, 0, 1, 2], PadMode.Constant), x));
        var x1 = t.Input(2, 3, 6);
        t.Out(t.Apply(new Pad([0, 0, 2, 0, 0, 3], PadMode.Reflect), x1));
        return t.Done();
    }

    private static TorchScriptCase Resizes()
    {
        var t = new Builder("resizes");
        var x = t.Input(1, 2, 4, 5);
        t.Out(
            t.Apply(new Resize([1, 2, 8, 10], [1, 1, 2, 2], ResizeMode.Nearest, CoordinateTransform.Asymmetric, NearestRounding.Floor), x),
            t.Apply(new Resize([1, 2, 7, 9], null, ResizeMode.Nearest, CoordinateTransform.Asymmetric, NearestRounding.Floor), x),
            t.Apply(new Resize([1, 2, 7, 9], null, ResizeMode.Linear, CoordinateTransform.AlignCorners), x),
            t.Apply(new Resize([1, 2, 8, 7], null, ResizeMode.Linear, CoordinateTransform.HalfPixel), x),
            t.Apply(new Resize([1, 2, 6, 8], null, ResizeMode.Nearest, CoordinateTransform.HalfPixel, NearestRounding.RoundPreferCeil), x),
            t.Apply(new Resize([1, 2, 8, 9], null, ResizeMode.Cubic, CoordinateTransform.HalfPixel), x));
        return t.Done(1e-5, 1e-4);
    }

    private static TorchScriptCase Casts()
    {
        var t = new Builder("casts");
        var x = t.Input(5.0, 2, 6);
        var i = t.Apply(new Cast(DataType.Int32), x);
        t.Out(
            i,
            t.Apply(new Cast(DataType.Float32), t.Apply(new Binary(BinaryFunction.Mul), i, i)),
            t.Apply(new Cast(DataType.Int64), t.Apply(new Binary(BinaryFunction.Less), x, t.B.Constant(Tensor.Scalar(0f)))),
            t.Apply(new Cast(DataType.Float16), x));
        return t.Done(1e-2, 1e-3);
    }

    private static TorchScriptCase FakeQuantization()
    {
        var t = new Builder("fake_quantization");
        var x = t.Input(2.0, 1, 3, 6, 6);
        var q8 = DataType.Quantized(ElementType.Int8, 0.02f, 3);
        var qx = t.Apply(new Cast(q8), x);
        var w = t.B.Constant("qw", Tensor.Create(new DataType(ElementType.Int8, new QuantParams([0.01f, 0.02f], [0, 0], 0)), new Shape(2, 3, 3, 3),
            Enumerable.Range(0, 54).Select(k => (sbyte)((k * 37 % 255) - 127)).ToArray()));
        var conv = t.B.Apply(new Conv([1, 1], [1, 1, 1, 1], [1, 1], 1, FusedActivation.Relu), qx, w);
        conv.Type = new TensorType(DataType.Quantized(ElementType.UInt8, 0.05f, 0), conv.Shape);
        t.Out(t.Apply(new Cast(DataType.Float32), qx), conv);
        return t.Done(1e-5, 0);
    }

    private static TorchScriptCase QuantizedOutputs()
    {
        var t = new Builder("quantized_outputs");
        var x = t.Input(3.0, 2, 3, 4);
        var q8 = DataType.Quantized(ElementType.Int8, 0.02f, 3);
        var a = t.Apply(new Cast(q8), x);
        var b = t.Apply(new Cast(q8), t.Apply(new Unary(UnaryFunction.Neg), x));
        t.Out(
            t.Apply(new Concat(1), a, b),
            t.Apply(new Cast(DataType.Quantized(ElementType.UInt8, 0.05f, 128)), x),
            t.Apply(new Cast(DataType.Quantized(ElementType.Int32, 0.001f, 0)), x),
            t.Apply(new Cast(DataType.Quantized(ElementType.Int16, 0.001f, 0)), x));
        var pooled = t.Apply(new Pool(PoolKind.Max, [2, 2], [2, 2], [1, 1, 1, 1]), t.Apply(new Cast(DataType.Float32), t.Apply(new Cast(q8), t.Input(2.0, 1, 2, 5, 5))));
        var requantized = t.Apply(new Cast(q8), pooled);
        t.Out(requantized, t.Apply(new Cast(DataType.Float32), requantized));
        return t.Done(1e-5, 0);
    }
}
