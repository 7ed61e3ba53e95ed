using MgeConvert.Formats.Caffe.Proto;
using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Formats.Caffe;

/// <summary>Nearest downsampling by integer factors: leading rows/columns cut off, then a strided 1x1 max pooling.</summary>
internal sealed partial class CaffeLowering
{
    private bool TryLowerNearestDownsample(Node node, Resize resize, long[] x, long[] y)
    {
        if (resize.Mode != ResizeMode.Nearest || x.Length != 4 || x[0] != y[0] || x[1] != y[1]
            || x[2] % y[2] != 0 || x[3] % y[3] != 0)
        {
            return false;
        }

        long[] factors = [x[2] / y[2], x[3] / y[3]];
        if (resize.Scales is { } scales && (scales[2] != 1f / factors[0] || scales[3] != 1f / factors[1]))
        {
            return false;
        }

        var offsets = new long[2];
        for (var i = 0; i < 2; i++)
        {
            if (NearestOffset(resize, factors[i]) is not { } offset)
            {
                return false;
            }

            offsets[i] = offset;
        }

        // Caffe pools with ceil rounding: the view is cut to exactly the (n-1)·s+1 rows the windows start in.
        var current = Blob(node.Input(0));
        var dropped = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            var axis = i + 2;
            var (first, length) = (offsets[i], ((y[axis] - 1) * factors[i]) + 1);
            if (first == 0 && length == x[axis])
            {
                continue;
            }

            var kept = TempBlob($"{node.Output.Name}/window{axis}");
            var tops = new List<string>();
            var slice = Extra(node, $"window{axis}", "Slice", [current], tops);
            slice.SliceParam = new SliceParameter { Axis = axis };
            if (first > 0)
            {
                tops.Add(TempBlob($"{node.Output.Name}/before{axis}"));
                slice.SliceParam.SlicePoint.Add((uint)first);
            }

            tops.Add(kept);
            if (first + length < x[axis])
            {
                tops.Add(TempBlob($"{node.Output.Name}/after{axis}"));
                slice.SliceParam.SlicePoint.Add((uint)(first + length));
            }

            slice.Top.AddRange(tops);
            dropped.AddRange(tops.Where(t => t != kept));
            current = kept;
        }

        if (dropped.Count > 0)
        {
            Extra(node, "silence", "Silence", dropped, []);
        }

        Main(node, "Pooling", [current], [Define(node.Output)]).PoolingParam = new PoolingParameter
        {
            Pool = PoolingParameter.Types.PoolMethod.Max,
            KernelH = 1,
            KernelW = 1,
            StrideH = (uint)factors[0],
            StrideW = (uint)factors[1],
        };
        return true;
    }

    /// <summary>
    /// The source index of output index d is s·d + offset for an integer factor s (output = input / s);
    /// the offset, or null for transforms where it is not constant.
    /// </summary>
    private static long? NearestOffset(Resize resize, long s)
    {
        var shift = resize.Coordinates switch
        {
            CoordinateTransform.Asymmetric => 0.0,
            CoordinateTransform.HalfPixel or CoordinateTransform.PytorchHalfPixel => (s - 1) / 2.0,
            CoordinateTransform.TfHalfPixelForNearest => s / 2.0,
            _ => (double?)null,
        };
        return shift switch
        {
            null => null,
            var o when o == Math.Floor(o.Value) => (long)o.Value,
            var o => resize.Rounding switch
            {
                NearestRounding.RoundPreferFloor or NearestRounding.Floor => (long)Math.Floor(o.Value),
                _ => (long)Math.Ceiling(o.Value),
            },
        };
    }
}
