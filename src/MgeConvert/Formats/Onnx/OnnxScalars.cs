using MgeConvert.Ir;

namespace MgeConvert.Formats.Onnx;

/// <summary>Rank-0 tensors of any IR element type (integer values saturate to the type's range).</summary>
internal static class OnnxScalars
{
    public static Tensor Make(ElementType type, double value)
    {
        var dtype = new DataType(type);
        return type switch
        {
            ElementType.Float32 => Tensor.Scalar((float)value),
            ElementType.Float64 => Tensor.Create(dtype, Shape.Scalar, [value]),
            ElementType.Float16 => Tensor.Create(dtype, Shape.Scalar, [(Half)value]),
            ElementType.Int8 => Tensor.Create(dtype, Shape.Scalar, [(sbyte)Saturate(value, sbyte.MinValue, sbyte.MaxValue)]),
            ElementType.UInt8 => Tensor.Create(dtype, Shape.Scalar, [(byte)Saturate(value, byte.MinValue, byte.MaxValue)]),
            ElementType.Int16 => Tensor.Create(dtype, Shape.Scalar, [(short)Saturate(value, short.MinValue, short.MaxValue)]),
            ElementType.UInt16 => Tensor.Create(dtype, Shape.Scalar, [(ushort)Saturate(value, ushort.MinValue, ushort.MaxValue)]),
            ElementType.Int32 => Tensor.Create(dtype, Shape.Scalar, [(int)Saturate(value, int.MinValue, int.MaxValue)]),
            ElementType.UInt32 => Tensor.Create(dtype, Shape.Scalar, [(uint)Saturate(value, uint.MinValue, uint.MaxValue)]),
            ElementType.Int64 => Tensor.Create(dtype, Shape.Scalar, [SaturateInt64(value)]),
            ElementType.UInt64 => Tensor.Create(dtype, Shape.Scalar, [value <= 0 ? 0UL : value >= ulong.MaxValue ? ulong.MaxValue : (ulong)value]),
            ElementType.Bool => Tensor.Create(dtype, Shape.Scalar, [(byte)(value != 0 ? 1 : 0)]),
            _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
        };
    }

    private static double Saturate(double value, double min, double max) => Math.Clamp(Math.Round(value), min, max);

    private static long SaturateInt64(double value) =>
        value <= long.MinValue ? long.MinValue : value >= long.MaxValue ? long.MaxValue : (long)value;
}
