using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using static MgeConvert.Tests.Support.OpRunner;

namespace MgeConvert.Tests.Reference;

public class ResizeKernelTests
{
    private static readonly Tensor Four = F([1, 1, 4], 10, 20, 30, 40);
    private static readonly Tensor Two = F([1, 1, 2], 0, 10);

    private static Tensor Nearest(Tensor x, long size, CoordinateTransform transform, NearestRounding rounding) =>
        Run(new Resize([1, 1, size], null, ResizeMode.Nearest, transform, rounding), x);

    private static Tensor Linear(Tensor x, long size, CoordinateTransform transform) =>
        Run(new Resize([1, 1, size], null, ResizeMode.Linear, transform), x);

    [Fact]
    public void NearestUpsampleAsymmetricFloor() =>
        AssertTensor(Nearest(Four, 8, CoordinateTransform.Asymmetric, NearestRounding.Floor), [1, 1, 8], 10, 10, 20, 20, 30, 30, 40, 40);

    [Theory]
    [InlineData(NearestRounding.RoundPreferFloor, 10, 30)]
    [InlineData(NearestRounding.RoundPreferCeil, 20, 40)]
    [InlineData(NearestRounding.Floor, 10, 30)]
    [InlineData(NearestRounding.Ceil, 20, 40)]
    public void NearestDownsampleTiesFollowTheRoundingMode(NearestRounding rounding, double first, double second) =>
        AssertTensor(Nearest(Four, 2, CoordinateTransform.HalfPixel, rounding), [1, 1, 2], first, second);

    [Fact]
    public void NearestTfHalfPixelAndAlignCorners()
    {
        AssertValues(Nearest(Two, 4, CoordinateTransform.TfHalfPixelForNearest, NearestRounding.RoundPreferFloor), 0, 10, 10, 10);
        AssertValues(Nearest(Four, 3, CoordinateTransform.AlignCorners, NearestRounding.RoundPreferCeil), 10, 30, 40);
    }

    [Fact]
    public void LinearCoordinateTransforms()
    {
        AssertValues(Linear(Two, 4, CoordinateTransform.HalfPixel), 0, 2.5, 7.5, 10);
        AssertValues(Linear(Two, 4, CoordinateTransform.PytorchHalfPixel), 0, 2.5, 7.5, 10);
        AssertValues(Linear(Two, 4, CoordinateTransform.Asymmetric), 0, 5, 10, 10);
        AssertValues(Linear(F([1, 1, 3], 0, 10, 20), 5, CoordinateTransform.AlignCorners), 0, 5, 10, 15, 20);
    }

    [Fact]
    public void LinearSingleOutputDiffersBetweenHalfPixelVariants()
    {
        AssertValues(Linear(Two, 1, CoordinateTransform.HalfPixel), 5);
        AssertValues(Linear(Two, 1, CoordinateTransform.PytorchHalfPixel), 0);
    }

    [Fact]
    public void BilinearTwoAxes()
    {
        var x = F([1, 1, 2, 2], 0, 10, 20, 30);
        var y = Run(new Resize([1, 1, 3, 3], null, ResizeMode.Linear, CoordinateTransform.AlignCorners), x);
        AssertTensor(y, [1, 1, 3, 3], 0, 5, 10, 10, 15, 20, 20, 25, 30);
    }

    [Fact]
    public void LinearUsesGivenScales()
    {
        // Scale 3 although the output has 4 elements: coordinates o/3 - asymmetric.
        var y = Run(new Resize([1, 1, 4], [1, 1, 3], ResizeMode.Linear, CoordinateTransform.Asymmetric), Two);
        AssertValues(y, 0, 10 / 3.0, 20 / 3.0, 10);
    }

    [Fact]
    public void CubicReproducesLinesInsideAndClampsAtEdges()
    {
        // Asymmetric ×2: x = o/2; at half positions the A = -0.75 weights are (-0.09375, 0.59375, 0.59375, -0.09375).
        var y = Run(new Resize([1, 1, 8], null, ResizeMode.Cubic, CoordinateTransform.Asymmetric), Four);
        AssertTensor(y, [1, 1, 8], 10, 14.0625, 20, 25, 30, 35.9375, 40, 40.9375);
    }
}
