using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using Xunit.Abstractions;

namespace MgeConvert.Tests.Caffe;

public class CaffeElementwiseTests(ITestOutputHelper output) : CaffeTestBase(output)
{
    public static TheoryData<BinaryFunction> TensorOps => new()
    {
        BinaryFunction.Add, BinaryFunction.Sub, BinaryFunction.Mul, BinaryFunction.Div, BinaryFunction.Max, BinaryFunction.Min,
    };

    [Theory]
    [MemberData(nameof(TensorOps))]
    public void EltwiseOfTwoTensors(BinaryFunction function)
    {
        var x = Nd.Random(20, 2, 3, 4, 4);
        var y = function == BinaryFunction.Div ? Reference.Map(Nd.Random(21, 2, 3, 4, 4), v => v + (v >= 0 ? 0.5 : -0.5)) : Nd.Random(21, 2, 3, 4, 4);
        var b = new GraphBuilder("eltwise");
        b.Output(b.Apply(new Binary(function), Input(b, "x", x), Input(b, "y", y)));

        Check(b, [x, y], [Reference.Binary(x, y, Apply(function))]);
    }

    [Fact]
    public void AddWithFusedReluKeepsTheRelu()
    {
        var x = Nd.Random(22, 1, 2, 3, 3);
        var y = Nd.Random(23, 1, 2, 3, 3);
        var b = new GraphBuilder("add_relu");
        b.Output(b.Apply(new Binary(BinaryFunction.Add, FusedActivation.Relu), Input(b, "x", x), Input(b, "y", y)));

        Check(b, [x, y], [Relu(Reference.Binary(x, y, (p, q) => p + q))]);
    }

    [Theory]
    [MemberData(nameof(TensorOps))]
    public void BroadcastPerChannelConstant(BinaryFunction function)
    {
        var x = Nd.Random(24, 2, 3, 4, 5);
        var c = Reference.Map(Nd.Random(25, 1, 3, 1, 1), v => v + (v >= 0 ? 0.5 : -0.5));
        if (function is BinaryFunction.Max or BinaryFunction.Min)
        {
            c = new Nd([0.25f], [1]);
        }

        var b = new GraphBuilder("const_op");
        b.Output(b.Apply(new Binary(function), Input(b, "x", x), Const(b, "c", c)));

        Check(b, [x], [Reference.Binary(x, c, Apply(function))]);
    }

    [Theory]
    [InlineData(BinaryFunction.Sub)]
    [InlineData(BinaryFunction.Div)]
    [InlineData(BinaryFunction.Pow)]
    public void ConstantFirstOperand(BinaryFunction function)
    {
        var x = Reference.Map(Nd.Random(26, 1, 3, 2, 2), v => v + (v >= 0 ? 0.5 : -0.5));
        var c = function == BinaryFunction.Pow ? new Nd([2f], [1]) : Nd.Random(27, 3, 1, 1);
        var b = new GraphBuilder("const_first");
        b.Output(b.Apply(new Binary(function), Const(b, "c", c), Input(b, "x", x)));

        Check(b, [x], [Reference.Binary(c, x, Apply(function))]);
    }

    [Theory]
    [InlineData(BinaryFunction.Mul)]
    [InlineData(BinaryFunction.Add)]
    [InlineData(BinaryFunction.Sub)]
    public void BroadcastTensorOperand(BinaryFunction function)
    {
        var x = Nd.Random(28, 2, 3, 4, 4);
        var b = new GraphBuilder("broadcast");
        var xv = Input(b, "x", x);
        var pooled = b.Apply(new GlobalPool(PoolKind.Average), xv);
        b.Output(b.Apply(new Binary(function), pooled, xv));

        var gap = Reference.Pool2d(x, max: false, [4, 4], [1, 1], [0, 0, 0, 0], countIncludePad: false);
        Check(b, [x], [Reference.Binary(gap, x, Apply(function))]);
    }

    public static TheoryData<string> Activations => new()
    {
        "relu", "sigmoid", "tanh", "leaky_relu", "relu6", "clip", "elu", "selu", "hard_sigmoid", "hard_swish", "silu", "abs", "exp",
        "neg", "sqrt_abs", "softplus", "prelu", "prelu_shared",
    };

    [Theory]
    [MemberData(nameof(Activations))]
    public void Activation(string name)
    {
        var x = Reference.Map(Nd.Random(30, 1, 3, 4, 4), v => v * 4);
        var b = new GraphBuilder(name);
        var xv = Input(b, "x", x);
        var slopes = new[] { 0.1f, 0.2f, 0.3f };
        Value y = name switch
        {
            "relu" => b.Apply(new Unary(UnaryFunction.Relu), xv),
            "sigmoid" => b.Apply(new Unary(UnaryFunction.Sigmoid), xv),
            "tanh" => b.Apply(new Unary(UnaryFunction.Tanh), xv),
            "leaky_relu" => b.Apply(new LeakyRelu(0.1f), xv),
            "relu6" => b.Apply(new Clip(0, 6), xv),
            "clip" => b.Apply(new Clip(-1.5f, 2), xv),
            "elu" => b.Apply(new Elu(0.7f), xv),
            "selu" => b.Apply(new Selu(), xv),
            "hard_sigmoid" => b.Apply(new HardSigmoid(), xv),
            "hard_swish" => b.Apply(new Unary(UnaryFunction.HardSwish), xv),
            "silu" => b.Apply(new Unary(UnaryFunction.Silu), xv),
            "abs" => b.Apply(new Unary(UnaryFunction.Abs), xv),
            "exp" => b.Apply(new Unary(UnaryFunction.Exp), xv),
            "neg" => b.Apply(new Unary(UnaryFunction.Neg), xv),
            "sqrt_abs" => b.Apply(new Unary(UnaryFunction.Sqrt), b.Apply(new Unary(UnaryFunction.Abs), xv)),
            "softplus" => b.Apply(new Unary(UnaryFunction.Softplus), xv),
            "prelu" => b.Apply(new PRelu(), xv, b.Constant("slope", Tensor.FromFloats(Shape.Of(3, 1, 1), slopes))),
            "prelu_shared" => b.Apply(new PRelu(), xv, b.Constant("slope", Tensor.FromFloats(Shape.Of(1), 0.25f))),
            _ => throw new ArgumentException(name),
        };
        b.Output(y);

        var channel = 0;
        Func<double, double> f = name switch
        {
            "relu" => v => Math.Max(v, 0),
            "sigmoid" => v => 1 / (1 + Math.Exp(-v)),
            "tanh" => Math.Tanh,
            "leaky_relu" => v => v >= 0 ? v : 0.1f * v,
            "relu6" => v => Math.Clamp(v, 0, 6),
            "clip" => v => Math.Clamp(v, -1.5, 2),
            "elu" => v => v >= 0 ? v : 0.7f * (Math.Exp(v) - 1),
            "selu" => v => 1.05070102f * (v >= 0 ? v : 1.67326319f * (Math.Exp(v) - 1)),
            "hard_sigmoid" => v => Math.Clamp((0.2f * v) + 0.5f, 0, 1),
            "hard_swish" => v => v * Math.Clamp(v + 3, 0, 6) / 6,
            "silu" => v => v / (1 + Math.Exp(-v)),
            "abs" => Math.Abs,
            "exp" => Math.Exp,
            "neg" => v => -v,
            "sqrt_abs" => v => Math.Sqrt(Math.Abs(v)),
            "softplus" => v => Math.Log(1 + Math.Exp(v)),
            "prelu" => v => v >= 0 ? v : slopes[channel++ / 16 % 3] * v,
            "prelu_shared" => v => v >= 0 ? v : 0.25f * v,
            _ => throw new ArgumentException(name),
        };
        var expected = new float[x.Size];
        for (var i = 0; i < x.Size; i++)
        {
            channel = i;
            expected[i] = (float)f(x.Data[i]);
        }

        Check(b, [x], [new Nd(expected, x.Shape)]);
    }

    private static Func<double, double, double> Apply(BinaryFunction function) => function switch
    {
        BinaryFunction.Add => (p, q) => p + q,
        BinaryFunction.Sub => (p, q) => p - q,
        BinaryFunction.Mul => (p, q) => p * q,
        BinaryFunction.Div => (p, q) => p / q,
        BinaryFunction.Max => Math.Max,
        BinaryFunction.Min => Math.Min,
        BinaryFunction.Pow => Math.Pow,
        _ => throw new ArgumentException(function.ToString()),
    };
}
