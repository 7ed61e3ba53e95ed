using MgeConvert.Formats.TFLite.Schema;
using MgeConvert.Ir;
using TensorType = MgeConvert.Formats.TFLite.Schema.TensorType;

namespace MgeConvert.Formats.TFLite;

/// <summary>IR element types and quantization parameters in TFLite terms.</summary>
internal static class TFLiteTypes
{
    public static TensorType? TryMap(ElementType type) => type switch
    {
        ElementType.Float32 => TensorType.FLOAT32,
        ElementType.Float16 => TensorType.FLOAT16,
        ElementType.Float64 => TensorType.FLOAT64,
        ElementType.Int8 => TensorType.INT8,
        ElementType.UInt8 => TensorType.UINT8,
        ElementType.Int16 => TensorType.INT16,
        ElementType.UInt16 => TensorType.UINT16,
        ElementType.Int32 => TensorType.INT32,
        ElementType.UInt32 => TensorType.UINT32,
        ElementType.Int64 => TensorType.INT64,
        ElementType.UInt64 => TensorType.UINT64,
        ElementType.Bool => TensorType.BOOL,
        _ => null,
    };

    public static TensorType Map(ElementType type) =>
        TryMap(type) ?? throw new InvalidOperationException($"no TFLite tensor type for {type}");

    public static int SizeOf(TensorType type) => type switch
    {
        TensorType.FLOAT32 or TensorType.INT32 or TensorType.UINT32 => 4,
        TensorType.FLOAT16 or TensorType.INT16 or TensorType.UINT16 => 2,
        TensorType.FLOAT64 or TensorType.INT64 or TensorType.UINT64 or TensorType.COMPLEX64 => 8,
        TensorType.INT8 or TensorType.UINT8 or TensorType.BOOL => 1,
        TensorType.COMPLEX128 => 16,
        _ => 0,
    };

    /// <summary>The quantization of a value whose axes were permuted (output axis i = source axis perm[i]).</summary>
    public static TFLiteQuantization? Quantization(DataType dtype, int[]? perm = null)
    {
        if (dtype.Quant is not { } q)
        {
            return null;
        }

        var axis = q.Axis ?? 0;
        if (perm is not null && q.Axis is { } a)
        {
            axis = Array.IndexOf(perm, a);
        }

        return new TFLiteQuantization(q.Scales, q.ZeroPoints, axis);
    }
}
