using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using MgeConvert.Tests.Support;
using static MgeConvert.Tests.Support.OpRunner;

namespace MgeConvert.Tests.Reference;

public class BinaryKernelTests
{
    [Fact]
    public void AddBroadcastsRowAndColumn()
    {
        var a = F([2, 1], 10, 20);
        var b = F([3], 1, 2, 3);
        AssertTensor(Run(new Binary(BinaryFunction.Add), a, b), [2, 3], 11, 12, 13, 21, 22, 23);
        AssertTensor(Run(new Binary(BinaryFunction.Sub), b, a), [2, 3], -9, -8, -7, -19, -18, -17);
    }

    [Theory]
    [InlineData(BinaryFunction.Mul, new[] { 6.0, -6, 1.5 })]
    [InlineData(BinaryFunction.Div, new[] { 1.5, -1.5, 6 })]
    [InlineData(BinaryFunction.Pow, new[] { 9.0, 1.0 / 9, 0.5 })]
    [InlineData(BinaryFunction.Max, new[] { 3.0, 2, 3 })]
    [InlineData(BinaryFunction.Min, new[] { 2.0, -3, 0.5 })]
    [InlineData(BinaryFunction.FloorDiv, new[] { 1.0, -2, 6 })]
    [InlineData(BinaryFunction.Mod, new[] { 1.0, 1, 0 })]
    public void FloatArithmetic(BinaryFunction function, double[] expected)
    {
        var a = F(3, -3, 3);
        var b = F(2, 2, 0.5f);
        if (function == BinaryFunction.Pow)
        {
            a = F(3, 3, 0.25f);
            b = F(2, -2, 0.5f);
        }

        AssertValues(Run(new Binary(function), a, b), expected);
    }

    [Fact]
    public void IntegerDivisionTruncatesFloorDivFloorsModFollowsDivisor()
    {
        var a = Tensor.FromInt64s(Shape.Of(4), -7, 7, -7, 7);
        var b = Tensor.FromInt64s(Shape.Of(4), 2, -3, 3, 3);
        Assert.Equal([-3L, -2, -2, 2], Run(new Binary(BinaryFunction.Div), a, b).ToInt64s());
        Assert.Equal([-4L, -3, -3, 2], Run(new Binary(BinaryFunction.FloorDiv), a, b).ToInt64s());
        Assert.Equal([1L, -2, 2, 1], Run(new Binary(BinaryFunction.Mod), a, b).ToInt64s());
        Assert.Equal([49L, 0, -343, 343], Run(new Binary(BinaryFunction.Pow), a, Tensor.FromInt64s(Shape.Of(4), 2, -1, 3, 3)).ToInt64s());
    }

    [Fact]
    public void FloatModuloHasTheSignOfTheDivisor() =>
        AssertValues(Run(new Binary(BinaryFunction.Mod), F(-7.5f, 7.5f), F(2, -2)), 0.5, -0.5);

    [Fact]
    public void Int8ArithmeticWraps()
    {
        var a = Tensor.Create(DataType.Int8, Shape.Of(2), new sbyte[] { 100, -100 });
        var b = Tensor.Create(DataType.Int8, Shape.Of(2), new sbyte[] { 100, -100 });
        Assert.Equal([-56L, 56], Run(new Binary(BinaryFunction.Add), a, b).ToInt64s());
    }

    [Fact]
    public void ComparisonsAndLogicProduceBool()
    {
        var a = F(1, 2, 3);
        var b = F(2, 2, 2);
        Assert.Equal(new byte[] { 0, 1, 0 }, Run(new Binary(BinaryFunction.Equal), a, b).Bytes.ToArray());
        Assert.Equal(new byte[] { 1, 0, 0 }, Run(new Binary(BinaryFunction.Less), a, b).Bytes.ToArray());
        Assert.Equal(new byte[] { 1, 1, 0 }, Run(new Binary(BinaryFunction.LessOrEqual), a, b).Bytes.ToArray());
        Assert.Equal(new byte[] { 0, 0, 1 }, Run(new Binary(BinaryFunction.Greater), a, b).Bytes.ToArray());
        Assert.Equal(new byte[] { 0, 1, 1 }, Run(new Binary(BinaryFunction.GreaterOrEqual), a, b).Bytes.ToArray());
        Assert.Equal(DataType.Bool, Run(new Binary(BinaryFunction.Less), a, b).DType);
        var p = Tensor.Create(DataType.Bool, Shape.Of(4), new byte[] { 0, 0, 1, 1 });
        var q = Tensor.Create(DataType.Bool, Shape.Of(4), new byte[] { 0, 1, 0, 1 });
        Assert.Equal(new byte[] { 0, 0, 0, 1 }, Run(new Binary(BinaryFunction.And), p, q).Bytes.ToArray());
        Assert.Equal(new byte[] { 0, 1, 1, 1 }, Run(new Binary(BinaryFunction.Or), p, q).Bytes.ToArray());
        Assert.Equal(new byte[] { 0, 1, 1, 0 }, Run(new Binary(BinaryFunction.Xor), p, q).Bytes.ToArray());
    }

    [Fact]
    public void FusedReluClipsTheResult() =>
        AssertValues(Run(new Binary(BinaryFunction.Add, FusedActivation.Relu), F(1, -5), F(1, 2)), 2, 0);

    [Fact]
    public void QuantizedAddDequantizesAndRequantizesWithTheOutputParameters()
    {
        var a = Tensor.Create(DataType.Quantized(ElementType.Int8, 0.5f), Shape.Of(2), new sbyte[] { 2, 4 });
        var b = Tensor.Create(DataType.Quantized(ElementType.Int8, 0.5f), Shape.Of(2), new sbyte[] { 1, -3 });
        var output = DataType.Quantized(ElementType.Int8, 0.25f);
        var sum = OpRunner.RunAll(new Binary(BinaryFunction.Add), output, a, b)[0];
        Assert.Equal(output, sum.DType);
        Assert.Equal([6L, 2], sum.ToInt64s());
    }

    [Fact]
    public void WhereSelectsWithBroadcast()
    {
        var condition = Tensor.Create(DataType.Bool, Shape.Of(2, 1), new byte[] { 1, 0 });
        AssertTensor(Run(new Where(), condition, F(1, 2), F([1], 9)), [2, 2], 1, 2, 9, 9);
        var ints = Run(new Where(), condition, Tensor.FromInt64s(Shape.Of(2), long.MaxValue, 1), Tensor.FromInt64s(Shape.Of(1), -1));
        Assert.Equal([long.MaxValue, 1, -1, -1], ints.ToInt64s());
    }
}
