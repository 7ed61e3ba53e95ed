using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Reference.Kernels;

/// <summary>
/// Resize (ONNX Resize semantics, exclude_outside = 0), separable: one axis at a time, each output position a
/// weighted sum of input positions along that axis. Coordinates are computed in float32 as runtimes do, so
/// nearest-mode ties fall the same way.
/// </summary>
internal static class ResizeKernels
{
    public static void Register(KernelTable table) => table.Add<Resize>(Resize);

    private static Tensor[] Resize(Resize op, KernelContext context)
    {
        var x = context.Input(0);
        var dims = x.Shape.ToArray();
        var values = TensorValues.Reals(x);
        for (var axis = 0; axis < dims.Length; axis++)
        {
            var scale = op.Scales?[axis] ?? ((float)op.Sizes[axis] / dims[axis]);
            var taps = Taps(op, dims[axis], op.Sizes[axis], scale);
            values = ResizeAxis(values, dims, axis, taps);
            dims[axis] = op.Sizes[axis];
        }

        return [context.Reals(dims, values)];
    }

    private static double[] ResizeAxis(double[] values, long[] dims, int axis, (int Index, double Weight)[][] taps)
    {
        var (outer, length, inner) = Indexing.AroundAxis(dims, axis);
        var result = new double[outer * taps.Length * inner];
        for (var o = 0; o < outer; o++)
        {
            for (var j = 0; j < taps.Length; j++)
            {
                for (var i = 0; i < inner; i++)
                {
                    var sum = 0.0;
                    foreach (var (index, weight) in taps[j])
                    {
                        sum += weight * values[(((o * length) + index) * inner) + i];
                    }

                    result[(((o * taps.Length) + j) * inner) + i] = sum;
                }
            }
        }

        return result;
    }

    /// <summary>For every output position along an axis, the input positions it reads and their weights.</summary>
    internal static (int Index, double Weight)[][] Taps(Resize op, long inLength, long outLength, float scale)
    {
        var taps = new (int, double)[outLength][];
        var last = (int)inLength - 1;
        for (var o = 0; o < outLength; o++)
        {
            var coordinate = SourceCoordinate(op.Coordinates, o, scale, outLength, inLength);
            switch (op.Mode)
            {
                case ResizeMode.Nearest:
                    taps[o] = [(Math.Clamp(Nearest(op.Rounding, coordinate), 0, last), 1.0)];
                    break;
                case ResizeMode.Linear:
                    var clamped = Math.Clamp(coordinate, 0f, last);
                    var low = Math.Min((int)clamped, last);
                    var high = Math.Min(low + 1, last);
                    var t = (double)(clamped - low);
                    taps[o] = low == high ? [(low, 1.0)] : [(low, 1 - t), (high, t)];
                    break;
                default:
                    var floor = (int)MathF.Floor(coordinate);
                    var weights = CubicWeights(coordinate - floor, op.CubicCoefficient);
                    taps[o] = [.. weights.Select((w, k) => (Math.Clamp(floor - 1 + k, 0, last), w))];
                    break;
            }
        }

        return taps;
    }

    private static float SourceCoordinate(CoordinateTransform transform, long o, float scale, long outLength, long inLength) => transform switch
    {
        CoordinateTransform.HalfPixel => ((o + 0.5f) / scale) - 0.5f,
        CoordinateTransform.PytorchHalfPixel => outLength > 1 ? ((o + 0.5f) / scale) - 0.5f : 0f,
        CoordinateTransform.AlignCorners => outLength == 1 ? 0f : o * (float)(inLength - 1) / (outLength - 1),
        CoordinateTransform.Asymmetric => o / scale,
        CoordinateTransform.TfHalfPixelForNearest => (o + 0.5f) / scale,
        _ => throw new NotSupportedException($"coordinate transform {transform}"),
    };

    private static int Nearest(NearestRounding rounding, float x) => rounding switch
    {
        NearestRounding.RoundPreferFloor => x == MathF.Floor(x) + 0.5f ? (int)MathF.Floor(x) : (int)MathF.Round(x, MidpointRounding.AwayFromZero),
        NearestRounding.RoundPreferCeil => x == MathF.Floor(x) + 0.5f ? (int)MathF.Ceiling(x) : (int)MathF.Round(x, MidpointRounding.AwayFromZero),
        NearestRounding.Floor => (int)MathF.Floor(x),
        NearestRounding.Ceil => (int)MathF.Ceiling(x),
        _ => throw new NotSupportedException($"nearest rounding {rounding}"),
    };

    /// <summary>Keys cubic convolution weights of the four taps floor-1 .. floor+2 at fraction t.</summary>
    private static double[] CubicWeights(double t, double a)
    {
        static double Near(double d, double a) => ((((a + 2) * d) - (a + 3)) * d * d) + 1;
        static double Far(double d, double a) => ((((a * d) - (5 * a)) * d) + (8 * a)) * d - (4 * a);
        return [Far(t + 1, a), Near(t, a), Near(1 - t, a), Far(2 - t, a)];
    }
}
