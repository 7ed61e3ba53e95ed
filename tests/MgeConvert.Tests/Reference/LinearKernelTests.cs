using MgeConvert.Ir.Ops;
using static MgeConvert.Tests.Support.OpRunner;

namespace MgeConvert.Tests.Reference;

public class LinearKernelTests
{
    private static readonly MgeConvert.Ir.Tensor B = F([3, 2], 1, 0, 0, 1, 1, 1);

    [Fact]
    public void BatchedMatMul()
    {
        var a = F([2, 2, 3], 1, 2, 3, 4, 5, 6, 1, 0, 0, 0, 1, 0);
        AssertTensor(Run(new MatMul(), a, B), [2, 2, 2], 4, 5, 10, 11, 1, 0, 0, 1);
    }

    [Fact]
    public void MatMulBroadcastsBatchAxes()
    {
        var a = F([2, 1, 1, 2], 1, 2, 3, 4);
        var b = F([3, 2, 1], 1, 1, 1, 0, 0, 1);
        AssertTensor(Run(new MatMul(), a, b), [2, 3, 1, 1], 3, 1, 2, 7, 3, 4);
    }

    [Fact]
    public void MatMulWithVectors()
    {
        AssertTensor(Run(new MatMul(), F(1, 2, 3), B), [2], 4, 5);
        AssertTensor(Run(new MatMul(), F([2, 3], 1, 2, 3, 4, 5, 6), F(1, 1, 1)), [2], 6, 15);
    }

    [Fact]
    public void GemmTransposesScalesAndAddsBroadcastBias()
    {
        var a = F([3, 2], 1, 4, 2, 5, 3, 6);
        var b = F([2, 3], 1, 0, 1, 0, 1, 1);
        var y = Run(new Gemm(TransA: true, TransB: true, Alpha: 2, Beta: 0.5f), a, b, F(1, -1));
        AssertTensor(y, [2, 2], 8.5, 9.5, 20.5, 21.5);
    }

    [Fact]
    public void GemmFusedRelu6()
    {
        var y = Run(new Gemm(Activation: MgeConvert.Ir.FusedActivation.Relu6), F([1, 3], 1, -2, 3), F([3, 2], 1, -1, 1, 1, 1, 2));
        AssertTensor(y, [1, 2], 2, 3);
    }
}
