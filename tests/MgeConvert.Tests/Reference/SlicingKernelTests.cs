using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using static MgeConvert.Tests.Support.OpRunner;

namespace MgeConvert.Tests.Reference;

public class SlicingKernelTests
{
    private static readonly Tensor X = F([2, 3], 1, 2, 3, 4, 5, 6);

    [Fact]
    public void ConcatAlongEachAxis()
    {
        AssertTensor(Run(new Concat(0), X, F([1, 3], 7, 8, 9)), [3, 3], 1, 2, 3, 4, 5, 6, 7, 8, 9);
        AssertTensor(Run(new Concat(-1), X, F([2, 1], 7, 8)), [2, 4], 1, 2, 3, 7, 4, 5, 6, 8);
    }

    [Fact]
    public void SplitIntoUnequalParts()
    {
        var parts = RunAll(new Split(1, [1, 2]), X);
        AssertTensor(parts[0], [2, 1], 1, 4);
        AssertTensor(parts[1], [2, 2], 2, 3, 5, 6);
    }

    [Fact]
    public void SliceWithNegativeStepAndClampedBounds()
    {
        AssertTensor(Run(new Slice([0, 1], [long.MaxValue, 3], [0, 1], [1, 1]), X), [2, 2], 2, 3, 5, 6);
        AssertTensor(Run(new Slice([-1], [long.MinValue], [1], [-1]), X), [2, 3], 3, 2, 1, 6, 5, 4);
        AssertTensor(Run(new Slice([2], [-5], [1], [-2]), X), [2, 2], 3, 1, 6, 4);
        AssertTensor(Run(new Slice([5], [9], [1], [1]), X), [2, 0]);
    }

    [Fact]
    public void GatherWithNegativeAndMatrixIndices()
    {
        AssertTensor(Run(new Gather(1), X, Tensor.FromInt64s(Shape.Of(2), -1, 0)), [2, 2], 3, 1, 6, 4);
        AssertTensor(Run(new Gather(0), X, Tensor.FromInt32s(Shape.Of(2, 1), 1, 0)), [2, 1, 3], 4, 5, 6, 1, 2, 3);
        AssertTensor(Run(new Gather(0), X, Tensor.FromInt64s(Shape.Scalar, -1)), [3], 4, 5, 6);
    }

    [Fact]
    public void GatherOutOfRangeFails() =>
        Assert.Throws<IrException>(() => Run(new Gather(0), X, Tensor.FromInt64s(Shape.Of(1), 2)));

    [Fact]
    public void GatherElementsAlongEachAxis()
    {
        AssertTensor(Run(new GatherElements(1), X, Tensor.FromInt64s(Shape.Of(2, 2), 2, 0, -3, 1)), [2, 2], 3, 1, 4, 5);
        AssertTensor(Run(new GatherElements(0), X, Tensor.FromInt64s(Shape.Of(1, 3), 1, 0, 1)), [1, 3], 4, 2, 6);
    }

    [Fact]
    public void PadModes()
    {
        var x = F([1, 3], 1, 2, 3);
        AssertTensor(Run(new Pad([0, 2, 1, 1], PadMode.Constant, 9), x), [2, 6], 9, 9, 1, 2, 3, 9, 9, 9, 9, 9, 9, 9);
        AssertTensor(Run(new Pad([0, 2, 0, 2], PadMode.Reflect), x), [1, 7], 3, 2, 1, 2, 3, 2, 1);
        AssertTensor(Run(new Pad([0, 2, 0, 1], PadMode.Edge), x), [1, 6], 1, 1, 1, 2, 3, 3);
        AssertTensor(Run(new Pad([0, -1, 0, 1], PadMode.Constant), x), [1, 3], 2, 3, 0);
    }

    [Fact]
    public void PadQuantizedConstantIsQuantized()
    {
        var q = DataType.Quantized(ElementType.UInt8, 0.5f, 10);
        var x = Tensor.Create(q, Shape.Of(2), new byte[] { 12, 14 });
        var y = Run(new Pad([1, 0], PadMode.Constant, 1f), x);
        Assert.Equal(new byte[] { 12, 12, 14 }, y.Bytes.ToArray());
    }
}
