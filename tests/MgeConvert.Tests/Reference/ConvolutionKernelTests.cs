using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using static MgeConvert.Tests.Support.OpRunner;

namespace MgeConvert.Tests.Reference;

public class ConvolutionKernelTests
{
    [Fact]
    public void Conv1dWithStridePadDilationAndBias()
    {
        // Padded input [0,1,2,3,4,5,0]; taps at offsets 0 and 2 (dilation 2), stride 2.
        var x = F([1, 1, 5], 1, 2, 3, 4, 5);
        var w = F([1, 1, 2], 1, -1);
        var y = Run(new Conv([2], [1, 1], [2]), x, w, F([1], 0.5f));
        AssertTensor(y, [1, 1, 3], -1.5, -1.5, 4.5);
    }

    [Fact]
    public void Conv2dWithTwoGroups()
    {
        var x = F([1, 2, 3, 3], 1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 1, 1, 1, 1, 1, 1, 1, 1);
        var w = F([2, 1, 2, 2], 1, 0, 0, 1, 1, 1, 1, 1);
        AssertTensor(Run(new Conv([1, 1], [0, 0, 0, 0], [1, 1], Group: 2), x, w), [1, 2, 2, 2], 6, 8, 12, 14, 4, 4, 4, 4);
    }

    [Fact]
    public void Conv2dStride2Pad1()
    {
        var x = F([1, 1, 3, 3], 1, 2, 3, 4, 5, 6, 7, 8, 9);
        var w = F([1, 1, 3, 3], 1, 1, 1, 1, 1, 1, 1, 1, 1);
        AssertTensor(Run(new Conv([2, 2], [1, 1, 1, 1], [1, 1]), x, w), [1, 1, 2, 2], 12, 16, 24, 28);
    }

    [Fact]
    public void Conv2dAsymmetricPadsAndFusedRelu()
    {
        // Pads: top 0, left 1, bottom 1, right 0; kernel [1, -1] horizontally.
        var x = F([1, 1, 2, 2], 1, 5, 3, 2);
        var w = F([1, 1, 1, 2], 1, -1);
        var plain = Run(new Conv([1, 1], [0, 1, 1, 0], [1, 1]), x, w);
        AssertTensor(plain, [1, 1, 3, 2], -1, -4, -3, 1, 0, 0);
        var relu = Run(new Conv([1, 1], [0, 1, 1, 0], [1, 1], Activation: FusedActivation.Relu), x, w);
        AssertValues(relu, 0, 0, 0, 1, 0, 0);
    }

    [Fact]
    public void Conv3d()
    {
        var x = F([1, 1, 2, 2, 2], 1, 2, 3, 4, 5, 6, 7, 8);
        var w = F([2, 1, 2, 2, 2], 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, -1);
        AssertTensor(Run(new Conv([1, 1, 1], [0, 0, 0, 0, 0, 0], [1, 1, 1]), x, w, F([2], 0, 10)), [1, 2, 1, 1, 1], 36, 3);
    }

    [Fact]
    public void ConvTransposeStrideTwo()
    {
        var x = F([1, 1, 3], 1, 2, 3);
        var w = F([1, 1, 2], 1, 1);
        AssertTensor(Run(new ConvTranspose([2], [0, 0], [1]), x, w), [1, 1, 6], 1, 1, 2, 2, 3, 3);
    }

    [Fact]
    public void ConvTransposePadsAndOutputPadding()
    {
        // Full result [1,1,2,2,3,3] plus one output-padding position (0); pads crop one element at each end.
        var x = F([1, 1, 3], 1, 2, 3);
        var w = F([1, 1, 2], 1, 1);
        AssertTensor(Run(new ConvTranspose([2], [1, 1], [1], OutputPadding: [1]), x, w, F([1], 0.5f)), [1, 1, 5], 1.5, 2.5, 2.5, 3.5, 3.5);
    }

    [Fact]
    public void ConvTransposeTwoGroupsAndDilation()
    {
        var x = F([1, 2, 2], 1, 2, 3, 4);
        var w = F([2, 1, 2], 1, 10, 100, 1000);
        AssertTensor(Run(new ConvTranspose([1], [0, 0], [1], Group: 2), x, w), [1, 2, 3], 1, 12, 20, 300, 3400, 4000);
        AssertTensor(Run(new ConvTranspose([1], [0, 0], [2]), F([1, 1, 2], 1, 2), F([1, 1, 2], 1, 1)), [1, 1, 4], 1, 2, 1, 2);
    }

    [Fact]
    public void ConvTranspose2dStride2GroupsAndOutputChannels()
    {
        // Two groups, two output channels per group; weight (C=2, O/G=2, 1, 1) scales each input pixel.
        var x = F([1, 2, 1, 2], 1, 2, 3, 4);
        var w = F([2, 2, 1, 1], 1, -1, 2, 10);
        var y = Run(new ConvTranspose([2, 2], [0, 0, 0, 0], [1, 1], Group: 2), x, w);
        AssertTensor(y, [1, 4, 1, 3], 1, 0, 2, -1, 0, -2, 6, 0, 8, 30, 0, 40);
    }
}
