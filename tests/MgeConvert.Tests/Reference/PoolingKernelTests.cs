using MgeConvert.Ir.Ops;
using static MgeConvert.Tests.Support.OpRunner;

namespace MgeConvert.Tests.Reference;

public class PoolingKernelTests
{
    private static readonly MgeConvert.Ir.Tensor Grid = F([1, 1, 3, 3], 1, 2, 3, 4, 5, 6, 7, 8, 9);

    [Fact]
    public void MaxPoolStrideTwo()
    {
        var x = F([1, 1, 4, 4], 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
        AssertTensor(Run(new Pool(PoolKind.Max, [2, 2], [2, 2], [0, 0, 0, 0]), x), [1, 1, 2, 2], 6, 8, 14, 16);
    }

    [Fact]
    public void MaxPoolIgnoresPadding()
    {
        var x = F([1, 1, 2, 2], -1, -2, -3, -4);
        AssertTensor(Run(new Pool(PoolKind.Max, [2, 2], [1, 1], [1, 1, 0, 0]), x), [1, 1, 2, 2], -1, -1, -1, -1);
    }

    [Fact]
    public void AveragePoolCountIncludePad()
    {
        var include = Run(new Pool(PoolKind.Average, [2, 2], [2, 2], [1, 1, 0, 0], CountIncludePad: true), Grid);
        AssertTensor(include, [1, 1, 2, 2], 0.25, 1.25, 2.75, 7);
        var exclude = Run(new Pool(PoolKind.Average, [2, 2], [2, 2], [1, 1, 0, 0], CountIncludePad: false), Grid);
        AssertTensor(exclude, [1, 1, 2, 2], 1, 2.5, 5.5, 7);
    }

    [Fact]
    public void CeilModeAddsAPartialWindow()
    {
        var x = F([1, 1, 5], 1, 2, 3, 4, 5);
        AssertTensor(Run(new Pool(PoolKind.Max, [2], [2], [0, 0], CeilMode: true), x), [1, 1, 3], 2, 4, 5);
        AssertTensor(Run(new Pool(PoolKind.Average, [2], [2], [0, 0], CeilMode: true), x), [1, 1, 3], 1.5, 3.5, 5);
        AssertTensor(Run(new Pool(PoolKind.Max, [2], [2], [0, 0]), x), [1, 1, 2], 2, 4);
    }

    [Fact]
    public void AveragePool3d()
    {
        var x = F([1, 1, 2, 2, 2], 1, 2, 3, 4, 5, 6, 7, 8);
        AssertTensor(Run(new Pool(PoolKind.Average, [2, 2, 1], [1, 1, 1], [0, 0, 0, 0, 0, 0]), x), [1, 1, 1, 1, 2], 4, 5);
    }

    [Fact]
    public void GlobalPools()
    {
        var x = F([1, 2, 2, 2], 1, 2, 3, 4, -1, -2, -3, -4);
        AssertTensor(Run(new GlobalPool(PoolKind.Average), x), [1, 2, 1, 1], 2.5, -2.5);
        AssertTensor(Run(new GlobalPool(PoolKind.Max), x), [1, 2, 1, 1], 4, -1);
    }

    [Fact]
    public void AdaptivePoolUsesOverlappingPyTorchWindows()
    {
        // Length 5 into 3: windows [0,2), [1,4), [3,5).
        var x = F([1, 1, 5], 1, 2, 3, 4, 5);
        AssertTensor(Run(new AdaptivePool(PoolKind.Average, [3]), x), [1, 1, 3], 1.5, 3, 4.5);
        AssertTensor(Run(new AdaptivePool(PoolKind.Max, [3]), x), [1, 1, 3], 2, 4, 5);
        AssertTensor(Run(new AdaptivePool(PoolKind.Average, [1, 2]), Grid), [1, 1, 1, 2], 4.5, 5.5);
    }
}
