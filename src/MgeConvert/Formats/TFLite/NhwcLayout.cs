namespace MgeConvert.Formats.TFLite;

/// <summary>
/// Where a lowered value lives: in the IR's own axis order, or (4-D activations only) channels-last, i.e.
/// the IR's NCHW axes permuted by NhwcLayout.ToNhwc.
/// </summary>
internal enum Layout
{
    Ir,
    Nhwc,
}

internal static class NhwcLayout
{
    /// <summary>NHWC axis i holds NCHW axis ToNhwc[i].</summary>
    public static readonly int[] ToNhwc = [0, 2, 3, 1];

    /// <summary>NCHW axis i holds NHWC axis ToNchw[i].</summary>
    public static readonly int[] ToNchw = [0, 3, 1, 2];

    /// <summary>The position of IR axis <paramref name="axis"/> (may be negative) in an NHWC tensor.</summary>
    public static int Axis(long axis, int rank = 4)
    {
        var a = (int)(axis < 0 ? axis + rank : axis);
        return Array.IndexOf(ToNhwc, a);
    }

    public static T[] Permute<T>(IReadOnlyList<T> values, int[] perm) => [.. perm.Select(p => values[p])];

    /// <summary>Transposes C-order element bytes: output axis i is input axis perm[i].</summary>
    public static byte[] Transpose(ReadOnlySpan<byte> data, long[] shape, int[] perm, int elementSize)
    {
        var rank = shape.Length;
        var result = new byte[data.Length];
        var inStrides = new long[rank];
        long stride = 1;
        for (var i = rank - 1; i >= 0; i--)
        {
            inStrides[i] = stride;
            stride *= shape[i];
        }

        var outShape = perm.Select(p => shape[p]).ToArray();
        var index = new long[rank];
        var count = stride;
        for (long o = 0; o < count; o++)
        {
            long src = 0;
            for (var i = 0; i < rank; i++)
            {
                src += index[i] * inStrides[perm[i]];
            }

            data.Slice((int)(src * elementSize), elementSize).CopyTo(result.AsSpan((int)(o * elementSize), elementSize));
            for (var i = rank - 1; i >= 0; i--)
            {
                if (++index[i] < outShape[i])
                {
                    break;
                }

                index[i] = 0;
            }
        }

        return result;
    }

    /// <summary>Whether moving axes by <paramref name="perm"/> keeps the element order (only size-1 axes move).</summary>
    public static bool IsMemoryOrderPreserving(IReadOnlyList<long> shape, int[] perm)
    {
        var last = -1;
        foreach (var p in perm)
        {
            if (shape[p] == 1)
            {
                continue;
            }

            if (p < last)
            {
                return false;
            }

            last = p;
        }

        return true;
    }
}
