using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Formats.Onnx;

/// <summary>
/// Dilated max pooling, which the IR's Pool lacks, as the elementwise maximum of one strided slice per kernel
/// tap over the input padded with -inf (exact: max is order-independent and padding never wins).
/// </summary>
internal static class OnnxDilatedMaxPool
{
    /// <summary>Each tap is a Slice node; a bound keeps a hostile kernel size from building millions of nodes.</summary>
    private const long MaxTaps = 8192;

    public static Value[] Import(OnnxNodeContext c, long[] kernel, long[] strides, long[] pads, long[] dilations, bool ceil)
    {
        var x = c.StaticShape(0, "dilated MaxPool");
        if (!c.In(0).DType.IsFloat)
        {
            throw c.Unsupported("dilated max pooling of non-float values");
        }

        var taps = kernel.Aggregate(1L, (p, k) => p > MaxTaps ? p : p * k);
        if (taps > MaxTaps)
        {
            throw c.Unsupported($"dilated max pooling with kernel {string.Join("x", kernel)} ({taps} taps; at most {MaxTaps} are expanded)");
        }

        var n = kernel.Length;
        var outputs = new long[n];
        var padded = new long[2 * (n + 2)];
        for (var i = 0; i < n; i++)
        {
            outputs[i] = ShapeMath.WindowOutput(x[i + 2], kernel[i], strides[i], pads[i], pads[i + n], dilations[i], ceil);
            var needed = ((outputs[i] - 1) * strides[i]) + ((kernel[i] - 1) * dilations[i]) + 1;
            padded[i + 2] = pads[i];
            padded[i + 2 + n + 2] = Math.Max(pads[i + n], needed - x[i + 2] - pads[i]);
        }

        var source = padded.Any(p => p != 0) ? c.Temp(new Pad(padded, PadMode.Constant, float.NegativeInfinity), c.In(0)) : c.In(0);
        var axes = Enumerable.Range(2, n).Select(a => (long)a).ToArray();
        var slices = new List<Value>();
        foreach (var tap in Taps(kernel))
        {
            var starts = tap.Select((t, i) => t * dilations[i]).ToArray();
            var ends = starts.Select((s, i) => s + ((outputs[i] - 1) * strides[i]) + 1).ToArray();
            slices.Add(c.Temp(new Slice(starts, ends, axes, strides), source));
        }

        if (slices.Count == 1)
        {
            return c.Apply(new Identity(), slices[0]);
        }

        var acc = slices[0];
        for (var i = 1; i < slices.Count - 1; i++)
        {
            acc = c.Temp(new Binary(BinaryFunction.Max), acc, slices[i]);
        }

        return c.Apply(new Binary(BinaryFunction.Max), acc, slices[^1]);
    }

    private static IEnumerable<long[]> Taps(long[] kernel)
    {
        var index = new long[kernel.Length];
        while (true)
        {
            yield return (long[])index.Clone();
            var d = kernel.Length - 1;
            while (d >= 0 && ++index[d] == kernel[d])
            {
                index[d] = 0;
                d--;
            }

            if (d < 0)
            {
                yield break;
            }
        }
    }
}
