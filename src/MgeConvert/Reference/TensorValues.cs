using System.Runtime.InteropServices;
using MgeConvert.Ir;

namespace MgeConvert.Reference;

/// <summary>
/// The two working representations of the kernels: real values (double, dequantized for quantized types) and
/// exact integers (long, for plain integer and bool types), and conversions back into tensors of a data type.
/// </summary>
public static class TensorValues
{
    /// <summary>True when a type's arithmetic is exact integer arithmetic (plain integers and bool).</summary>
    public static bool IsIntegral(DataType dtype) => dtype.Quant is null && !dtype.Element.IsFloat();

    /// <summary>Real values; quantized elements are dequantized.</summary>
    public static double[] Reals(Tensor tensor)
    {
        var q = tensor.DType.Quant;
        var raw = tensor.ToDoubles();
        if (q is null)
        {
            return raw;
        }

        var channels = q.IsPerTensor ? 1 : tensor.Shape[q.Axis!.Value];
        long inner = 1;
        for (var d = (q.Axis ?? tensor.Shape.Rank - 1) + 1; d < tensor.Shape.Rank; d++)
        {
            inner *= tensor.Shape[d];
        }

        for (var i = 0; i < raw.Length; i++)
        {
            var c = q.IsPerTensor ? 0 : (int)(i / inner % channels);
            raw[i] = (float)((raw[i] - q.ZeroPoints[c]) * q.Scales[c]);
        }

        return raw;
    }

    /// <summary>Elements as exact integers (bool as 0/1); float elements are truncated.</summary>
    public static long[] Integers(Tensor tensor) => tensor.DType.Element switch
    {
        ElementType.UInt64 => Array.ConvertAll(tensor.Span<ulong>().ToArray(), v => unchecked((long)v)),
        ElementType.Bool => Array.ConvertAll(tensor.Bytes.ToArray(), v => v != 0 ? 1L : 0L),
        _ => tensor.ToInt64s(),
    };

    /// <summary>
    /// A tensor from real values: rounded to float32/float16, quantized (round half to even, saturate) for
    /// quantized types, truncated toward zero for plain integers, non-zero test for bool.
    /// </summary>
    public static Tensor FromReals(DataType dtype, long[] dims, double[] values)
    {
        var shape = new Shape(dims);
        if (dtype.Quant is { } q && !dtype.Element.IsFloat())
        {
            return FromIntegers(dtype, dims, Quantize(q, dims, values, Range(dtype.Element)));
        }

        switch (dtype.Element)
        {
            case ElementType.Float32: return Tensor.Create(dtype, shape, Array.ConvertAll(values, v => (float)v));
            case ElementType.Float16: return Tensor.Create(dtype, shape, Array.ConvertAll(values, v => (Half)v));
            case ElementType.Float64: return Tensor.Create(dtype, shape, (double[])values.Clone());
            case ElementType.Bool: return FromIntegers(dtype, dims, Array.ConvertAll(values, v => v != 0 ? 1L : 0L));
            default: return FromIntegers(dtype, dims, Array.ConvertAll(values, Truncate));
        }
    }

    /// <summary>A tensor from integers, wrapped to the element type (bool: non-zero is true).</summary>
    public static Tensor FromIntegers(DataType dtype, long[] dims, long[] values)
    {
        var shape = new Shape(dims);
        var bytes = new byte[values.Length * dtype.ElementSize];
        switch (dtype.Element)
        {
            case ElementType.Int8: Fill(bytes, values, v => unchecked((sbyte)v)); break;
            case ElementType.UInt8: Fill(bytes, values, v => unchecked((byte)v)); break;
            case ElementType.Bool: Fill(bytes, values, v => v != 0 ? (byte)1 : (byte)0); break;
            case ElementType.Int16: Fill(bytes, values, v => unchecked((short)v)); break;
            case ElementType.UInt16: Fill(bytes, values, v => unchecked((ushort)v)); break;
            case ElementType.Int32: Fill(bytes, values, v => unchecked((int)v)); break;
            case ElementType.UInt32: Fill(bytes, values, v => unchecked((uint)v)); break;
            case ElementType.Int64: Fill(bytes, values, v => v); break;
            case ElementType.UInt64: Fill(bytes, values, v => unchecked((ulong)v)); break;
            default: return FromReals(dtype, dims, Array.ConvertAll(values, v => (double)v));
        }

        return new Tensor(dtype, shape, bytes);
    }

    /// <summary>
    /// Cast semantics: float → quantized quantizes, quantized → float dequantizes, quantized → quantized
    /// requantizes, float → integer truncates, integer → integer wraps.
    /// </summary>
    public static Tensor Convert(Tensor tensor, DataType to)
    {
        if (tensor.DType == to)
        {
            return tensor;
        }

        var dims = tensor.Shape.ToArray();
        if (IsIntegral(tensor.DType) && (IsIntegral(to) || to.IsFloat))
        {
            return FromIntegers(to, dims, Integers(tensor));
        }

        return FromReals(to, dims, Reals(tensor));
    }

    /// <summary>Rounds a real value to the precision of a float element type (identity for others).</summary>
    public static double RoundTo(ElementType element, double value) => element switch
    {
        ElementType.Float32 => (float)value,
        ElementType.Float16 => (double)(Half)value,
        _ => value,
    };

    private static long Truncate(double v) =>
        double.IsNaN(v) ? 0 : v >= 9.2233720368547758E18 ? long.MaxValue : v <= -9.2233720368547758E18 ? long.MinValue : (long)v;

    private static long[] Quantize(QuantParams q, long[] dims, double[] values, (long Min, long Max) range)
    {
        var result = new long[values.Length];
        var channels = q.IsPerTensor ? 1 : dims[q.Axis!.Value];
        long inner = 1;
        for (var d = (q.Axis ?? dims.Length - 1) + 1; d < dims.Length; d++)
        {
            inner *= dims[d];
        }

        for (var i = 0; i < values.Length; i++)
        {
            var c = q.IsPerTensor ? 0 : (int)(i / inner % channels);
            var scaled = MathF.Round((float)values[i] / q.Scales[c], MidpointRounding.ToEven);
            var stored = float.IsNaN(scaled) ? q.ZeroPoints[c] : (double)scaled + q.ZeroPoints[c];
            result[i] = (long)Math.Clamp(stored, range.Min, range.Max);
        }

        return result;
    }

    private static (long Min, long Max) Range(ElementType element) => element switch
    {
        ElementType.Int8 => (sbyte.MinValue, sbyte.MaxValue),
        ElementType.UInt8 => (byte.MinValue, byte.MaxValue),
        ElementType.Int16 => (short.MinValue, short.MaxValue),
        ElementType.UInt16 => (ushort.MinValue, ushort.MaxValue),
        ElementType.Int32 => (int.MinValue, int.MaxValue),
        ElementType.UInt32 => (uint.MinValue, uint.MaxValue),
        _ => (long.MinValue, long.MaxValue),
    };

    private static void Fill<T>(byte[] bytes, long[] values, Func<long, T> convert)
        where T : unmanaged
    {
        var target = MemoryMarshal.Cast<byte, T>(bytes.AsSpan());
        for (var i = 0; i < values.Length; i++)
        {
            target[i] = convert(values[i]);
        }
    }
}
