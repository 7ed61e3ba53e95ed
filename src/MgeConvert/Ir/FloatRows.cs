using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MgeConvert.Ir;

/// <summary>Float32 rows multiplied by a double factor: the product taken in double precision, rounded once to float.</summary>
public static class FloatRows
{
    public static void Scale(ReadOnlySpan<float> from, Span<float> to, double factor)
    {
        if (to.Length < from.Length)
        {
            throw new ArgumentException("the target is shorter than the source", nameof(to));
        }

        var i = 0;
        if (Vector128.IsHardwareAccelerated)
        {
            var scale = Vector128.Create(factor);
            var source = MemoryMarshal.Cast<float, Vector128<float>>(from);
            var target = MemoryMarshal.Cast<float, Vector128<float>>(to);
            for (var v = 0; v < source.Length; v++)
            {
                var (lower, upper) = Vector128.Widen(source[v]);
                target[v] = Vector128.Narrow(lower * scale, upper * scale);
            }

            i = source.Length * Vector128<float>.Count;
        }

        for (; i < from.Length; i++)
        {
            to[i] = (float)(from[i] * factor);
        }
    }
}
