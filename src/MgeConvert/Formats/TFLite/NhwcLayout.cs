using System.Runtime.InteropServices;

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

    /// <summary>
    /// Transposes C-order element bytes into <paramref name="result"/> (as long as <paramref name="data"/>):
    /// output axis i is input axis perm[i].
    /// </summary>
    public static void Transpose(ReadOnlySpan<byte> data, Span<byte> result, long[] shape, int[] perm, int elementSize)
    {
        switch (elementSize)
        {
            case 1: TransposeElements(data, result, shape, perm); break;
            case 2: TransposeElements(MemoryMarshal.Cast<byte, short>(data), MemoryMarshal.Cast<byte, short>(result), shape, perm); break;
            case 4: TransposeElements(MemoryMarshal.Cast<byte, int>(data), MemoryMarshal.Cast<byte, int>(result), shape, perm); break;
            case 8: TransposeElements(MemoryMarshal.Cast<byte, long>(data), MemoryMarshal.Cast<byte, long>(result), shape, perm); break;
            default: throw new ArgumentOutOfRangeException(nameof(elementSize), elementSize, null);
        }
    }

    private static void TransposeElements<T>(ReadOnlySpan<T> source, Span<T> target, long[] shape, int[] perm)
        where T : unmanaged
    {
        var rank = shape.Length;
        var inStrides = new long[rank];
        long stride = 1;
        for (var i = rank - 1; i >= 0; i--)
        {
            inStrides[i] = stride;
            stride *= shape[i];
        }

        var outShape = new long[rank];
        var step = new long[rank];
        for (var i = 0; i < rank; i++)
        {
            outShape[i] = shape[perm[i]];
            step[i] = inStrides[perm[i]];
        }

        if (rank == 0)
        {
            source.CopyTo(target);
            return;
        }

        // Rows of the last output axis are gathered with a constant step; the odometer runs over the other axes.
        var row = (int)outShape[rank - 1];
        var rowStep = step[rank - 1];
        var index = new long[rank - 1];
        long src = 0;
        for (var o = 0; o < target.Length; o += row)
        {
            var s = src;
            foreach (ref var element in target.Slice(o, row))
            {
                element = source[(int)s];
                s += rowStep;
            }

            for (var i = rank - 2; i >= 0; i--)
            {
                if (++index[i] < outShape[i])
                {
                    src += step[i];
                    break;
                }

                src -= (outShape[i] - 1) * step[i];
                index[i] = 0;
            }
        }
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
