using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using Xunit.Abstractions;

namespace MgeConvert.Tests.Caffe;

public class CaffeConvolutionTests(ITestOutputHelper output) : CaffeTestBase(output)
{
    [Fact]
    public void ConvBiasWithFusedReluKeepsTheRelu()
    {
        var x = Nd.Random(1, 1, 3, 8, 8);
        var w = Nd.Random(2, 4, 3, 3, 3);
        var bias = Nd.Random(3, 4).Data;
        var b = new GraphBuilder("conv_relu");
        var y = b.Apply(new Conv([1, 1], [1, 1, 1, 1], [1, 1], Activation: FusedActivation.Relu), Input(b, "x", x), Const(b, "w", w), Const(b, "b", bias));
        b.Output(y);

        var plain = Reference.Conv2d(x, w, bias, [1, 1], [1, 1, 1, 1], [1, 1], 1);
        Assert.Contains(plain.Data, v => v < 0);
        Check(b, [x], [Relu(plain)]);
    }

    [Fact]
    public void GroupedStridedDilatedConv()
    {
        var x = Nd.Random(4, 2, 4, 9, 9);
        var w = Nd.Random(5, 6, 2, 3, 3);
        var b = new GraphBuilder("group_conv");
        b.Output(b.Apply(new Conv([2, 2], [2, 1, 2, 1], [2, 1], Group: 2), Input(b, "x", x), Const(b, "w", w)));

        Check(b, [x], [Reference.Conv2d(x, w, null, [2, 2], [2, 1, 2, 1], [2, 1], 2)]);
    }

    [Fact]
    public void ConvWithSmallerEndPadsIsCropped()
    {
        var x = Nd.Random(6, 1, 2, 8, 8);
        var w = Nd.Random(7, 3, 2, 3, 3);
        var b = new GraphBuilder("asym_conv");
        b.Output(b.Apply(new Conv([2, 2], [1, 1, 0, 0], [1, 1]), Input(b, "x", x), Const(b, "w", w)));

        Check(b, [x], [Reference.Conv2d(x, w, null, [2, 2], [1, 1, 0, 0], [1, 1], 1)]);
    }

    [Fact]
    public void Deconvolution()
    {
        var x = Nd.Random(8, 1, 4, 5, 5);
        var w = Nd.Random(9, 4, 3, 4, 4);
        var bias = Nd.Random(10, 6).Data;
        var b = new GraphBuilder("deconv");
        b.Output(b.Apply(new ConvTranspose([2, 2], [1, 1, 1, 1], [1, 1], Group: 2), Input(b, "x", x), Const(b, "w", w), Const(b, "b", bias)));

        Check(b, [x], [Reference.Deconv2d(x, w, bias, [2, 2], [1, 1], 2)]);
    }

    [Fact]
    public void MaxPoolFloorModeCropsCaffesExtraWindow()
    {
        var x = Nd.Random(11, 1, 3, 8, 8);
        var b = new GraphBuilder("maxpool");
        b.Output(b.Apply(new Pool(PoolKind.Max, [3, 3], [2, 2], [1, 1, 1, 1]), Input(b, "x", x)));

        Check(b, [x], [Reference.Pool2d(x, max: true, [3, 3], [2, 2], [1, 1, 1, 1], countIncludePad: false)]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AveragePoolWithPaddingMatchesCountIncludePad(bool countIncludePad)
    {
        var x = Nd.Random(12, 1, 2, 7, 7);
        var b = new GraphBuilder("avgpool");
        b.Output(b.Apply(new Pool(PoolKind.Average, [3, 3], [2, 2], [1, 1, 1, 1], countIncludePad), Input(b, "x", x)));

        Check(b, [x], [Reference.Pool2d(x, max: false, [3, 3], [2, 2], [1, 1, 1, 1], countIncludePad)]);
    }

    [Fact]
    public void AveragePoolFloorModeWithoutPadding()
    {
        var x = Nd.Random(13, 1, 2, 7, 7);
        var b = new GraphBuilder("avgpool_floor");
        b.Output(b.Apply(new Pool(PoolKind.Average, [2, 2], [2, 2], [0, 0, 0, 0]), Input(b, "x", x)));

        Check(b, [x], [Reference.Pool2d(x, max: false, [2, 2], [2, 2], [0, 0, 0, 0], countIncludePad: false)]);
    }

    [Fact]
    public void GlobalAveragePool()
    {
        var x = Nd.Random(14, 2, 3, 4, 5);
        var b = new GraphBuilder("gap");
        b.Output(b.Apply(new GlobalPool(PoolKind.Average), Input(b, "x", x)));

        Check(b, [x], [Reference.Pool2d(x, max: false, [4, 5], [1, 1], [0, 0, 0, 0], countIncludePad: false)]);
    }

    [Fact]
    public void NearestUpsamplingBecomesDeconvolution()
    {
        var x = Nd.Random(15, 1, 2, 3, 4);
        var b = new GraphBuilder("upsample");
        b.Output(b.Apply(new Resize([1, 2, 6, 8], [1, 1, 2, 2], ResizeMode.Nearest, CoordinateTransform.Asymmetric, NearestRounding.Floor), Input(b, "x", x)));

        var expected = new float[2 * 6 * 8];
        for (var i = 0; i < expected.Length; i++)
        {
            var c = i / 48;
            var h = i / 8 % 6;
            var w = i % 8;
            expected[i] = x.Data[(c * 12) + (h / 2 * 4) + (w / 2)];
        }

        Check(b, [x], [new Nd(expected, [1, 2, 6, 8])]);
    }

    [Fact]
    public void ZeroPadBeforeConvMergesIntoItsPadding()
    {
        var x = Nd.Random(16, 1, 2, 5, 5);
        var w = Nd.Random(17, 3, 2, 3, 3);
        var b = new GraphBuilder("pad_conv");
        var padded = b.Apply(new Pad([0, 0, 2, 1, 0, 0, 1, 1]), Input(b, "x", x));
        b.Output(b.Apply(new Conv([1, 1], [0, 0, 0, 0], [1, 1]), padded, Const(b, "w", w)));

        var net = Caffe.Write(b.Graph);
        Assert.DoesNotContain(net.Layer, l => l.Name == "pad");
        Check(b, [x], [Reference.Conv2d(x, w, null, [1, 1], [2, 1, 1, 1], [1, 1], 1)]);
    }

    [Fact]
    public void BilinearResizeToTheSameSizeIsIdentity()
    {
        var x = Nd.Random(18, 1, 2, 3, 4);
        var b = new GraphBuilder("resize_same");
        b.Output(b.Apply(new Resize([1, 2, 3, 4], null, ResizeMode.Linear, CoordinateTransform.HalfPixel), Input(b, "x", x)));

        Check(b, [x], [x]);
    }

    [Fact]
    public void MegEngineStyleAveragePoolExcludingPadding()
    {
        var x = Nd.Random(19, 2, 3, 32, 32);
        var b = new GraphBuilder("pool_avg");
        b.Output(b.Apply(new Pool(PoolKind.Average, [2, 2], [2, 2], [1, 1, 1, 1]), Input(b, "x", x)));

        Check(b, [x], [Reference.Pool2d(x, max: false, [2, 2], [2, 2], [1, 1, 1, 1], countIncludePad: false)]);
    }
}
