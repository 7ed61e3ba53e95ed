using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using Xunit.Abstractions;

namespace MgeConvert.Tests.Caffe;

/// <summary>Nearest downsampling and standalone zero padding, checked in OpenCV against direct indexing.</summary>
public class CaffeResampleTests(ITestOutputHelper output) : CaffeTestBase(output)
{
    [Theory]
    [InlineData(CoordinateTransform.Asymmetric, NearestRounding.Floor, 2, 3, 0, 0)]
    [InlineData(CoordinateTransform.HalfPixel, NearestRounding.RoundPreferFloor, 3, 2, 1, 0)]
    [InlineData(CoordinateTransform.HalfPixel, NearestRounding.RoundPreferCeil, 3, 2, 1, 1)]
    [InlineData(CoordinateTransform.TfHalfPixelForNearest, NearestRounding.Floor, 2, 3, 1, 1)]
    public void NearestDownsamplingPicksShiftedPixels(CoordinateTransform coordinates, NearestRounding rounding, int sh, int sw, int oh, int ow)
    {
        var x = Nd.Random(90, 1, 2, 6, 6);
        var (h, w) = (6 / sh, 6 / sw);
        var b = new GraphBuilder("downsample");
        b.Output(b.Apply(new Resize([1, 2, h, w], null, ResizeMode.Nearest, coordinates, rounding), Input(b, "x", x)));

        var expected = new float[2 * h * w];
        for (var c = 0; c < 2; c++)
        {
            for (var i = 0; i < h; i++)
            {
                for (var j = 0; j < w; j++)
                {
                    expected[(c * h * w) + (i * w) + j] = x.Data[(c * 36) + (((sh * i) + oh) * 6) + (sw * j) + ow];
                }
            }
        }

        Check(b, [x], [new Nd(expected, [1, 2, h, w])]);
    }

    [Fact]
    public void AsymmetricZeroPadding()
    {
        var x = Nd.Random(91, 1, 3, 4, 5);
        var b = new GraphBuilder("pad");
        b.Output(b.Apply(new Pad([0, 0, 1, 0, 0, 0, 3, 2]), Input(b, "x", x)));

        var expected = new float[3 * 8 * 7];
        for (var c = 0; c < 3; c++)
        {
            for (var i = 0; i < 4; i++)
            {
                for (var j = 0; j < 5; j++)
                {
                    expected[(c * 56) + ((i + 1) * 7) + j] = x.Data[(c * 20) + (i * 5) + j];
                }
            }
        }

        Check(b, [x], [new Nd(expected, [1, 3, 8, 7])]);
    }

    [Theory]
    [InlineData(PadMode.Reflect)]
    [InlineData(PadMode.Edge)]
    public void CopyingPadsOnTwoAxes(PadMode mode)
    {
        var x = Nd.Random(92, 1, 2, 4, 5);
        var b = new GraphBuilder("pad_copies");
        b.Output(b.Apply(new Pad([0, 0, 2, 1, 0, 0, 1, 3], mode), Input(b, "x", x)));

        long Source(long i, long length) => i < 0
            ? (mode == PadMode.Edge ? 0 : -i)
            : i >= length ? (mode == PadMode.Edge ? length - 1 : (2 * (length - 1)) - i) : i;
        var expected = new float[2 * 7 * 9];
        for (var c = 0; c < 2; c++)
        {
            for (var i = 0; i < 7; i++)
            {
                for (var j = 0; j < 9; j++)
                {
                    expected[(c * 63) + (i * 9) + j] = x.Data[(c * 20) + (Source(i - 2, 4) * 5) + Source(j - 1, 5)];
                }
            }
        }

        Check(b, [x], [new Nd(expected, [1, 2, 7, 9])]);
    }
}
