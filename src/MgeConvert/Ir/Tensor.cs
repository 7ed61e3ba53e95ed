using System.Runtime.InteropServices;

namespace MgeConvert.Ir;

/// <summary>
/// Constant tensor data: a static shape, a data type and little-endian element bytes in C order.
/// The bytes may be a slice of a larger buffer (e.g. the model file), so weights are not copied.
/// </summary>
public sealed class Tensor
{
    public Tensor(DataType dtype, Shape shape, ReadOnlyMemory<byte> bytes)
    {
        if (!shape.IsStatic)
        {
            throw new ArgumentException($"constant tensors need a static shape, got {shape}");
        }

        var expected = checked(shape.ElementCount * dtype.ElementSize);
        if (bytes.Length != expected)
        {
            throw new ArgumentException($"tensor of {dtype}{shape} needs {expected} bytes, got {bytes.Length}");
        }

        DType = dtype;
        Shape = shape;
        Bytes = bytes;
    }

    public DataType DType { get; }

    public Shape Shape { get; }

    public ReadOnlyMemory<byte> Bytes { get; }

    public TensorType Type => new(DType, Shape);

    public long ElementCount => Shape.ElementCount;

    public static Tensor Create<T>(DataType dtype, Shape shape, T[] data)
        where T : unmanaged =>
        new(dtype, shape, MemoryMarshal.AsBytes(data.AsSpan()).ToArray());

    public static Tensor FromFloats(Shape shape, params float[] data) => Create(DataType.Float32, shape, data);

    public static Tensor FromInt64s(Shape shape, params long[] data) => Create(DataType.Int64, shape, data);

    public static Tensor FromInt32s(Shape shape, params int[] data) => Create(DataType.Int32, shape, data);

    public static Tensor Scalar(float value) => FromFloats(Shape.Scalar, value);

    /// <summary>A 1-D int64 tensor, the usual form of shapes and axes.</summary>
    public static Tensor Vector(params long[] values) => FromInt64s(new Shape(values.Length), values);

    /// <summary>The elements reinterpreted as <typeparamref name="T"/>; T must match the storage size.</summary>
    public ReadOnlySpan<T> Span<T>()
        where T : unmanaged
    {
        if (Marshal.SizeOf<T>() != DType.ElementSize)
        {
            throw new InvalidOperationException($"cannot view {DType} elements as {typeof(T).Name}");
        }

        return MemoryMarshal.Cast<byte, T>(Bytes.Span);
    }

    /// <summary>The stored values converted to double (quantized values are not dequantized).</summary>
    public double[] ToDoubles()
    {
        var n = checked((int)ElementCount);
        var result = new double[n];
        var b = Bytes.Span;
        switch (DType.Element)
        {
            case ElementType.Float32: Copy(MemoryMarshal.Cast<byte, float>(b), result, v => v); break;
            case ElementType.Float16: Copy(MemoryMarshal.Cast<byte, Half>(b), result, v => (double)v); break;
            case ElementType.Float64: MemoryMarshal.Cast<byte, double>(b).CopyTo(result); break;
            case ElementType.Int8: Copy(MemoryMarshal.Cast<byte, sbyte>(b), result, v => v); break;
            case ElementType.UInt8: Copy(b, result, v => v); break;
            case ElementType.Bool: Copy(b, result, v => v != 0 ? 1 : 0); break;
            case ElementType.Int16: Copy(MemoryMarshal.Cast<byte, short>(b), result, v => v); break;
            case ElementType.UInt16: Copy(MemoryMarshal.Cast<byte, ushort>(b), result, v => v); break;
            case ElementType.Int32: Copy(MemoryMarshal.Cast<byte, int>(b), result, v => v); break;
            case ElementType.UInt32: Copy(MemoryMarshal.Cast<byte, uint>(b), result, v => v); break;
            case ElementType.Int64: Copy(MemoryMarshal.Cast<byte, long>(b), result, v => v); break;
            case ElementType.UInt64: Copy(MemoryMarshal.Cast<byte, ulong>(b), result, v => v); break;
            default: throw new InvalidOperationException($"unsupported element type {DType}");
        }

        return result;
    }

    /// <summary>The stored values as float32 (quantized values are not dequantized).</summary>
    public float[] ToFloats()
    {
        if (DType.Element == ElementType.Float32)
        {
            return Span<float>().ToArray();
        }

        return Array.ConvertAll(ToDoubles(), v => (float)v);
    }

    /// <summary>Integer or boolean elements as int64; float elements are truncated.</summary>
    public long[] ToInt64s()
    {
        var b = Bytes.Span;
        return DType.Element switch
        {
            ElementType.Int64 => MemoryMarshal.Cast<byte, long>(b).ToArray(),
            ElementType.Int32 => Array.ConvertAll(MemoryMarshal.Cast<byte, int>(b).ToArray(), v => (long)v),
            _ => Array.ConvertAll(ToDoubles(), v => (long)v),
        };
    }

    /// <summary>Real values: stored values dequantized when the type is quantized.</summary>
    public float[] Dequantize()
    {
        var q = DType.Quant;
        var raw = ToDoubles();
        if (q is null)
        {
            return Array.ConvertAll(raw, v => (float)v);
        }

        var result = new float[raw.Length];
        if (q.IsPerTensor)
        {
            for (var i = 0; i < raw.Length; i++)
            {
                result[i] = (float)((raw[i] - q.ZeroPoint) * q.Scale);
            }

            return result;
        }

        var axis = q.Axis!.Value;
        long inner = 1;
        for (var d = axis + 1; d < Shape.Rank; d++)
        {
            inner *= Shape[d];
        }

        var channels = Shape[axis];
        for (var i = 0; i < raw.Length; i++)
        {
            var c = (int)(i / inner % channels);
            result[i] = (float)((raw[i] - q.ZeroPoints[c]) * q.Scales[c]);
        }

        return result;
    }

    public Tensor Reshape(Shape shape) => new(DType, shape, Bytes);

    public override string ToString() => $"Tensor({DType}{Shape})";

    private static void Copy<T>(ReadOnlySpan<T> source, double[] target, Func<T, double> convert)
    {
        for (var i = 0; i < source.Length; i++)
        {
            target[i] = convert(source[i]);
        }
    }
}
