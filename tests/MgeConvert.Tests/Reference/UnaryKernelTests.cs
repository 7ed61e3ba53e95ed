using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using static MgeConvert.Tests.Support.OpRunner;

namespace MgeConvert.Tests.Reference;

public class UnaryKernelTests
{
    [Theory]
    [InlineData(UnaryFunction.Relu, new[] { -2f, -0.5f, 0f, 1.5f }, new[] { 0, 0, 0, 1.5 })]
    [InlineData(UnaryFunction.Sigmoid, new[] { 0f, 2f }, new[] { 0.5, 0.8807970779778823 })]
    [InlineData(UnaryFunction.Tanh, new[] { 0.5f, -0.5f }, new[] { 0.46211715726000974, -0.46211715726000974 })]
    [InlineData(UnaryFunction.Exp, new[] { 1f, 0f }, new[] { 2.718281828459045, 1 })]
    [InlineData(UnaryFunction.Log, new[] { 2f, 1f }, new[] { 0.6931471805599453, 0 })]
    [InlineData(UnaryFunction.Abs, new[] { -3f, 2f }, new[] { 3.0, 2 })]
    [InlineData(UnaryFunction.Neg, new[] { -3f, 2f }, new[] { 3.0, -2 })]
    [InlineData(UnaryFunction.Sqrt, new[] { 2f, 9f }, new[] { 1.4142135623730951, 3 })]
    [InlineData(UnaryFunction.Reciprocal, new[] { 4f, -0.5f }, new[] { 0.25, -2 })]
    [InlineData(UnaryFunction.Floor, new[] { -1.5f, 1.5f }, new[] { -2.0, 1 })]
    [InlineData(UnaryFunction.Ceil, new[] { -1.5f, 1.5f }, new[] { -1.0, 2 })]
    [InlineData(UnaryFunction.Round, new[] { 2.5f, -1.5f, 0.5f, 1.4f }, new[] { 2.0, -2, 0, 1 })]
    [InlineData(UnaryFunction.Erf, new[] { 0.5f, -1.5f, 3f, 0.01f }, new[] { 0.5204998778130465, -0.9661051464753108, 0.9999779095030014, 0.011283415555849616 })]
    [InlineData(UnaryFunction.Sign, new[] { -3f, 0f, 0.1f }, new[] { -1.0, 0, 1 })]
    [InlineData(UnaryFunction.Sin, new[] { 1f }, new[] { 0.8414709848078965 })]
    [InlineData(UnaryFunction.Cos, new[] { 1f }, new[] { 0.5403023058681398 })]
    [InlineData(UnaryFunction.Softplus, new[] { 1f, 100f }, new[] { 1.3132616875182228, 100 })]
    [InlineData(UnaryFunction.Softsign, new[] { 1f, -3f }, new[] { 0.5, -0.75 })]
    [InlineData(UnaryFunction.HardSwish, new[] { -4f, 1f, 4f }, new[] { 0, 0.6666666666666666, 4 })]
    [InlineData(UnaryFunction.Silu, new[] { 1f }, new[] { 0.7310585786300049 })]
    public void FloatFunctions(UnaryFunction function, float[] input, double[] expected) =>
        AssertTensor(Run(new Unary(function), F(input)), [input.Length], expected);

    [Fact]
    public void IntegerAbsNegAndBoolNotStayExact()
    {
        var ints = Tensor.FromInt64s(Shape.Of(3), -5, 0, long.MaxValue);
        Assert.Equal([5L, 0, long.MaxValue], Run(new Unary(UnaryFunction.Abs), ints).ToInt64s());
        Assert.Equal([5L, 0, -long.MaxValue], Run(new Unary(UnaryFunction.Neg), ints).ToInt64s());
        var flags = Tensor.Create(DataType.Bool, Shape.Of(2), new byte[] { 1, 0 });
        Assert.Equal(new byte[] { 0, 1 }, Run(new Unary(UnaryFunction.Not), flags).Bytes.ToArray());
    }

    [Fact]
    public void ClipUsesDistinctBounds() =>
        AssertValues(Run(new Clip(-1, 2), F(-3, -1, 0.5f, 2, 5)), -1, -1, 0.5, 2, 2);

    [Fact]
    public void ClipOnIntegers() =>
        Assert.Equal([-1L, 0, 2], Run(new Clip(-1, 2), Tensor.FromInt64s(Shape.Of(3), -7, 0, 9)).ToInt64s());

    [Fact]
    public void Activations()
    {
        AssertValues(Run(new LeakyRelu(0.1f), F(-2, 3)), -0.2f, 3);
        AssertValues(Run(new Elu(1), F(-1, 2)), -0.6321205588285577, 2);
        AssertValues(Run(new Selu(), F(-1, 2)), -1.111330737568613, 2 * 1.05070102f);
        AssertValues(Run(new HardSigmoid(0.2f, 0.5f), F(-5, 0, 1, 5)), 0, 0.5, 0.7f, 1);
        AssertValues(Run(new Gelu(), F(1, -1, 0)), 0.8413447460685429, -0.15865525393145707, 0);
        AssertValues(Run(new Gelu(TanhApproximation: true), F(1, -1, 2)), 0.8411919906082768, -0.15880800939172324, 1.954597694087775);
    }

    [Fact]
    public void PReluBroadcastsSlopePerChannel()
    {
        var x = F([1, 2, 2], -1, 2, -3, 4);
        var slope = F([2, 1], 0.5f, 0.25f);
        AssertTensor(Run(new PRelu(), x, slope), [1, 2, 2], -0.5, 2, -0.75, 4);
    }

    [Fact]
    public void IdentityAndDropoutPassThrough()
    {
        var x = F([2], 1.5f, -2);
        AssertValues(Run(new Identity(), x), 1.5, -2);
        AssertValues(Run(new Dropout(0.3f), x), 1.5, -2);
    }
}
