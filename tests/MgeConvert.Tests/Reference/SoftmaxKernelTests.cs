using MgeConvert.Ir.Ops;
using static MgeConvert.Tests.Support.OpRunner;

namespace MgeConvert.Tests.Reference;

public class SoftmaxKernelTests
{
    [Fact]
    public void SoftmaxLastAxis() =>
        AssertTensor(Run(new Softmax(), F([1, 3], 1, 2, 3)), [1, 3], 0.09003057317038046, 0.24472847105479767, 0.6652409557748219);

    [Fact]
    public void SoftmaxFirstAxisIsShiftInvariant() =>
        AssertTensor(Run(new Softmax(0), F([3, 1], 1001, 1002, 1003)), [3, 1], 0.09003057317038046, 0.24472847105479767, 0.6652409557748219);

    [Fact]
    public void LogSoftmax() =>
        AssertValues(Run(new LogSoftmax(-1), F(1, 2, 3)), -2.40760596444438, -1.4076059644443801, -0.4076059644443803);
}
