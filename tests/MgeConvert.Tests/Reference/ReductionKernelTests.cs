using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using static MgeConvert.Tests.Support.OpRunner;

namespace MgeConvert.Tests.Reference;

public class ReductionKernelTests
{
    private static readonly Tensor X = F([2, 3], 1, -2, 3, -4, 5, -6);

    [Theory]
    [InlineData(ReduceKind.Sum, new[] { 2.0, -5 })]
    [InlineData(ReduceKind.Mean, new[] { 2.0 / 3, -5.0 / 3 })]
    [InlineData(ReduceKind.Max, new[] { 3.0, 5 })]
    [InlineData(ReduceKind.Min, new[] { -2.0, -6 })]
    [InlineData(ReduceKind.Prod, new[] { -6.0, 120 })]
    [InlineData(ReduceKind.SumSquare, new[] { 14.0, 77 })]
    [InlineData(ReduceKind.L1, new[] { 6.0, 15 })]
    [InlineData(ReduceKind.L2, new[] { 3.7416573867739413, 8.774964387392123 })]
    public void ReduceLastAxisKeepDims(ReduceKind kind, double[] expected) =>
        AssertTensor(Run(new Reduce(kind, [-1]), X), [2, 1], expected);

    [Fact]
    public void LogReductions()
    {
        var x = F([2, 3], 1, 2, 3, 4, 5, 6);
        AssertTensor(Run(new Reduce(ReduceKind.LogSumExp, [1], false), x), [2], 3.40760596444438, 6.407605964444381);
        AssertTensor(Run(new Reduce(ReduceKind.LogSum, [1], false), x), [2], Math.Log(6), Math.Log(15));
    }

    [Fact]
    public void ReduceFirstAxisAndAllAxes()
    {
        AssertTensor(Run(new Reduce(ReduceKind.Sum, [0], KeepDims: false), X), [3], -3, 3, -3);
        AssertTensor(Run(new Reduce(ReduceKind.Max, []), X), [1, 1], 5);
        AssertTensor(Run(new Reduce(ReduceKind.Mean, [], KeepDims: false), X), [], -0.5);
    }

    [Fact]
    public void IntegerReductionsAreExact()
    {
        var x = Tensor.FromInt64s(Shape.Of(3), 1L << 60, 3, -1);
        Assert.Equal([(1L << 60) + 2], Run(new Reduce(ReduceKind.Sum, [0], false), x).ToInt64s());
        Assert.Equal([-3L << 60], Run(new Reduce(ReduceKind.Prod, [0], false), x).ToInt64s());
    }

    [Fact]
    public void ArgMaxArgMinWithTies()
    {
        var x = F([2, 3], 3, 1, 3, 0, 0, -1);
        Assert.Equal([0L, 0], Run(new ArgReduce(true, 1), x).ToInt64s());
        Assert.Equal([2L, 1], Run(new ArgReduce(true, 1, SelectLastIndex: true), x).ToInt64s());
        Assert.Equal([1L, 2], Run(new ArgReduce(false, -1, KeepDims: false), x).ToInt64s());
        var first = Run(new ArgReduce(true, 0, KeepDims: false), x);
        Assert.Equal(Shape.Of(3), first.Shape);
        Assert.Equal([0L, 0, 0], first.ToInt64s());
    }

    [Fact]
    public void TopKLargestAndSmallest()
    {
        var x = F([2, 4], 1, 4, 2, 4, 9, 7, 8, 6);
        var largest = RunAll(new TopK(2), x);
        AssertTensor(largest[0], [2, 2], 4, 4, 9, 8);
        Assert.Equal([1L, 3, 0, 2], largest[1].ToInt64s());
        var smallest = RunAll(new TopK(3, 0 + 1, Largest: false), x);
        AssertTensor(smallest[0], [2, 3], 1, 2, 4, 6, 7, 8);
        Assert.Equal([0L, 2, 1, 3, 1, 2], smallest[1].ToInt64s());
        var columns = RunAll(new TopK(1, 0), x);
        AssertTensor(columns[0], [1, 4], 9, 7, 8, 6);
        Assert.Equal([1L, 1, 1, 1], columns[1].ToInt64s());
    }
}
