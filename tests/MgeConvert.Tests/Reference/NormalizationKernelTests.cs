using MgeConvert.Ir.Ops;
using static MgeConvert.Tests.Support.OpRunner;

namespace MgeConvert.Tests.Reference;

public class NormalizationKernelTests
{
    [Fact]
    public void BatchNormPerChannel()
    {
        var x = F([1, 2, 2], 1, 3, 2, 4);
        var y = Run(new BatchNorm(0f), x, F(2, 0.5f), F(1, -1), F(2, 3), F(4, 0.25f));
        AssertTensor(y, [1, 2, 2], 0, 2, -2, 0);
    }

    [Fact]
    public void InstanceNormPerSampleAndChannel()
    {
        var x = F([1, 2, 4], 1, 2, 3, 4, 0, 0, 2, 2);
        var y = Run(new InstanceNorm(0f), x, F(2, 3), F(1, -1));
        AssertTensor(y, [1, 2, 4], -1.6832815729997477, 0.10557280900008414, 1.8944271909999157, 3.6832815729997477, -4, -4, 2, 2);
    }

    [Fact]
    public void LayerNormLastAxisWithScaleBias()
    {
        var y = Run(new LayerNorm(-1), F([2, 2], 1, 3, 2, 2), F(2, 3), F(0.5f, -0.5f));
        AssertTensor(y, [2, 2], -1.4999900000749994, 2.4999850001124991, 0.5, -0.5);
    }

    [Fact]
    public void LayerNormOverTwoAxesWithoutParameters()
    {
        var y = Run(new LayerNorm(1, 0f), F([1, 2, 2], 1, 2, 3, 4));
        AssertTensor(y, [1, 2, 2], -1.3416407864998738, -0.4472135954999579, 0.4472135954999579, 1.3416407864998738);
    }
}
