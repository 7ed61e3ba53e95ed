using MgeConvert.Formats.Mge.Fbs;
using MgeConvert.Ir;

namespace MgeConvert.Formats.Mge;

/// <summary>MegEngine dtypes → IR data types (docs/mge-format.md §7.3).</summary>
internal static class MgeDTypes
{
    /// <summary>The IR type, or null for dtypes the IR cannot hold (low-bit, bfloat16, complex).</summary>
    public static DataType? ToIr(MgeDType d) => d.Kind switch
    {
        DTypeEnum.Float32 => DataType.Float32,
        DTypeEnum.Float16 => DataType.Float16,
        DTypeEnum.Uint8 or DTypeEnum.Byte => DataType.UInt8,
        DTypeEnum.Int8 => DataType.Int8,
        DTypeEnum.Int16 => DataType.Int16,
        DTypeEnum.Uint16 => new DataType(ElementType.UInt16),
        DTypeEnum.Int32 => DataType.Int32,
        DTypeEnum.Bool => DataType.Bool,
        DTypeEnum.QuantizedS8 or DTypeEnum.QuantizedS1 => DataType.Quantized(ElementType.Int8, d.Scale),
        DTypeEnum.Quantized8Asymm => DataType.Quantized(ElementType.UInt8, d.Scale, d.ZeroPoint),
        DTypeEnum.QuantizedS16 => DataType.Quantized(ElementType.Int16, d.Scale),
        DTypeEnum.QuantizedS32 => DataType.Quantized(ElementType.Int32, d.Scale),
        _ => null,
    };

    public static DataType Require(MgeDType d, string where) =>
        ToIr(d) ?? throw new MgeUnsupportedException($"{where} has dtype {d.Kind}, which MgeConvert cannot represent");
}

/// <summary>An operator (or one of its settings) MgeConvert cannot convert; collected, then reported all at once.</summary>
internal sealed class MgeUnsupportedException(string reason) : Exception(reason);

/// <summary>An operator reads a var of an operator that was already reported as unsupported.</summary>
internal sealed class MgeSkippedException() : Exception("depends on an unsupported operator");
