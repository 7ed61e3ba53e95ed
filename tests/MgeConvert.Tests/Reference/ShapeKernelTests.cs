using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using static MgeConvert.Tests.Support.OpRunner;

namespace MgeConvert.Tests.Reference;

public class ShapeKernelTests
{
    private static readonly Tensor X = F([2, 3], 1, 2, 3, 4, 5, 6);

    [Fact]
    public void ReshapeFlattenSqueezeUnsqueezeKeepOrder()
    {
        AssertTensor(Run(new Reshape([0, -1, 1]), X), [2, 3, 1], 1, 2, 3, 4, 5, 6);
        AssertTensor(Run(new Flatten(0), X), [1, 6], 1, 2, 3, 4, 5, 6);
        AssertTensor(Run(new Squeeze([]), F([1, 3, 1], 7, 8, 9)), [3], 7, 8, 9);
        AssertTensor(Run(new Unsqueeze([0, -1]), X), [1, 2, 3, 1], 1, 2, 3, 4, 5, 6);
    }

    [Fact]
    public void TransposeMovesElements()
    {
        AssertTensor(Run(new Transpose([1, 0]), X), [3, 2], 1, 4, 2, 5, 3, 6);
        var x3 = F([2, 2, 2], 1, 2, 3, 4, 5, 6, 7, 8);
        AssertTensor(Run(new Transpose([2, 0, 1]), x3), [2, 2, 2], 1, 3, 5, 7, 2, 4, 6, 8);
    }

    [Fact]
    public void TileAndExpand()
    {
        AssertTensor(Run(new Tile([2, 1]), F([1, 2], 1, 2)), [2, 2], 1, 2, 1, 2);
        AssertTensor(Run(new Tile([1, 3]), F([1, 2], 1, 2)), [1, 6], 1, 2, 1, 2, 1, 2);
        AssertTensor(Run(new Expand([2, 1, 3]), F([2, 1], 1, 2)), [2, 2, 3], 1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2);
    }

    [Fact]
    public void ShapeOfGivesInt64Dims()
    {
        var shape = Run(new ShapeOf(), X);
        Assert.Equal(DataType.Int64, shape.DType);
        Assert.Equal([2L, 3], shape.ToInt64s());
    }

    [Fact]
    public void MovesKeepInt64ValuesExact()
    {
        var big = Tensor.FromInt64s(Shape.Of(2, 1), long.MaxValue, long.MinValue + 1);
        Assert.Equal([long.MaxValue, long.MinValue + 1], Run(new Transpose([1, 0]), big).ToInt64s());
        Assert.Equal([long.MaxValue, long.MaxValue, long.MinValue + 1, long.MinValue + 1], Run(new Tile([1, 2]), big).ToInt64s());
    }
}
