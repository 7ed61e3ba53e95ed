namespace MgeConvert.Ir;

/// <summary>Storage element type of a tensor.</summary>
public enum ElementType
{
    Float32,
    Float16,
    Float64,
    Int8,
    UInt8,
    Int16,
    UInt16,
    Int32,
    UInt32,
    Int64,
    UInt64,
    Bool,
}

public static class ElementTypeInfo
{
    public static int SizeOf(this ElementType type) => type switch
    {
        ElementType.Float32 or ElementType.Int32 or ElementType.UInt32 => 4,
        ElementType.Float16 or ElementType.Int16 or ElementType.UInt16 => 2,
        ElementType.Float64 or ElementType.Int64 or ElementType.UInt64 => 8,
        ElementType.Int8 or ElementType.UInt8 or ElementType.Bool => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    public static bool IsFloat(this ElementType type) =>
        type is ElementType.Float32 or ElementType.Float16 or ElementType.Float64;

    public static bool IsInteger(this ElementType type) => !type.IsFloat() && type != ElementType.Bool;

    public static string ShortName(this ElementType type) => type switch
    {
        ElementType.Float32 => "f32",
        ElementType.Float16 => "f16",
        ElementType.Float64 => "f64",
        ElementType.Int8 => "i8",
        ElementType.UInt8 => "u8",
        ElementType.Int16 => "i16",
        ElementType.UInt16 => "u16",
        ElementType.Int32 => "i32",
        ElementType.UInt32 => "u32",
        ElementType.Int64 => "i64",
        ElementType.UInt64 => "u64",
        ElementType.Bool => "bool",
        _ => type.ToString(),
    };
}

/// <summary>
/// Affine quantization: real = (stored - zeroPoint) * scale. One scale/zero point per tensor, or one per
/// slice along <see cref="Axis"/> (per-channel).
/// </summary>
public sealed class QuantParams : IEquatable<QuantParams>
{
    public QuantParams(float scale, long zeroPoint = 0)
        : this([scale], [zeroPoint], null)
    {
    }

    public QuantParams(float[] scales, long[] zeroPoints, int? axis)
    {
        if (scales.Length == 0 || scales.Length != zeroPoints.Length)
        {
            throw new ArgumentException("scales and zero points must be non-empty and of equal length");
        }

        if (scales.Length > 1 && axis is null)
        {
            throw new ArgumentException("per-channel quantization needs an axis");
        }

        Scales = scales;
        ZeroPoints = zeroPoints;
        Axis = axis;
    }

    public float[] Scales { get; }

    public long[] ZeroPoints { get; }

    /// <summary>The channel axis for per-channel parameters; null for per-tensor.</summary>
    public int? Axis { get; }

    public bool IsPerTensor => Axis is null;

    public float Scale => Scales[0];

    public long ZeroPoint => ZeroPoints[0];

    public bool Equals(QuantParams? other) =>
        other is not null && Axis == other.Axis && Scales.AsSpan().SequenceEqual(other.Scales)
        && ZeroPoints.AsSpan().SequenceEqual(other.ZeroPoints);

    public override bool Equals(object? obj) => Equals(obj as QuantParams);

    public override int GetHashCode() => HashCode.Combine(Axis, Scales.Length, Scales[0], ZeroPoints[0]);

    public override string ToString() => IsPerTensor
        ? $"scale={Scale:R} zp={ZeroPoint}"
        : $"axis={Axis} scales[{Scales.Length}]";
}

/// <summary>An element type, optionally quantized (quantized int8/uint8/int32 carry scale and zero point).</summary>
public sealed record DataType(ElementType Element, QuantParams? Quant = null)
{
    public static readonly DataType Float32 = new(ElementType.Float32);
    public static readonly DataType Float16 = new(ElementType.Float16);
    public static readonly DataType Float64 = new(ElementType.Float64);
    public static readonly DataType Int8 = new(ElementType.Int8);
    public static readonly DataType UInt8 = new(ElementType.UInt8);
    public static readonly DataType Int16 = new(ElementType.Int16);
    public static readonly DataType Int32 = new(ElementType.Int32);
    public static readonly DataType Int64 = new(ElementType.Int64);
    public static readonly DataType Bool = new(ElementType.Bool);

    public bool IsQuantized => Quant is not null;

    public bool IsFloat => Quant is null && Element.IsFloat();

    public int ElementSize => Element.SizeOf();

    public static DataType Quantized(ElementType storage, float scale, long zeroPoint = 0) =>
        new(storage, new QuantParams(scale, zeroPoint));

    /// <summary>The same storage type without quantization parameters.</summary>
    public DataType Storage => Quant is null ? this : new DataType(Element);

    public override string ToString() => Quant is null ? Element.ShortName() : $"q{Element.ShortName()}({Quant})";
}
