using System.Buffers.Binary;
using Google.FlatBuffers;
using MgeConvert.Formats.Mge.Fbs;
using MgeConvert.Ir;

namespace MgeConvert.Formats.Mge.Writing;

/// <summary>
/// IR data types → MegEngine dtypes (docs/mge-format.md §5.1, §7.3). MegEngine has no 64-bit types:
/// Int64 values are stored as Int32 and Float64 as Float32 (values must fit).
/// </summary>
internal static class MgeWriteDTypes
{
    /// <summary>The dtype MegEngine uses for an IR type, or null when MegEngine has none.</summary>
    public static MgeDType? From(DataType t)
    {
        if (t.Quant is { } q)
        {
            if (!q.IsPerTensor)
            {
                return null;
            }

            return t.Element switch
            {
                ElementType.Int8 when q.ZeroPoint == 0 => new MgeDType(DTypeEnum.QuantizedS8, q.Scale),
                ElementType.UInt8 when q.ZeroPoint is >= 0 and <= 255 => new MgeDType(DTypeEnum.Quantized8Asymm, q.Scale, (byte)q.ZeroPoint),
                ElementType.Int16 when q.ZeroPoint == 0 => new MgeDType(DTypeEnum.QuantizedS16, q.Scale),
                ElementType.Int32 when q.ZeroPoint == 0 => new MgeDType(DTypeEnum.QuantizedS32, q.Scale),
                _ => null,
            };
        }

        return t.Element switch
        {
            ElementType.Float32 or ElementType.Float64 => MgeDType.Float32,
            ElementType.Float16 => new MgeDType(DTypeEnum.Float16),
            ElementType.Int8 => new MgeDType(DTypeEnum.Int8),
            ElementType.UInt8 => new MgeDType(DTypeEnum.Uint8),
            ElementType.Int16 => new MgeDType(DTypeEnum.Int16),
            ElementType.UInt16 => new MgeDType(DTypeEnum.Uint16),
            ElementType.Int32 or ElementType.Int64 or ElementType.UInt32 => new MgeDType(DTypeEnum.Int32),
            ElementType.Bool => new MgeDType(DTypeEnum.Bool),
            _ => null,
        };
    }

    /// <summary>The IR type a MegEngine dtype reads back as (what the self-check expects).</summary>
    public static DataType? ReadBack(MgeDType d) => MgeDTypes.ToIr(d);

    /// <summary>Value bytes in the MegEngine dtype: 64-bit integers and floats narrowed to 32 bits.</summary>
    public static ReadOnlyMemory<byte> Encode(Tensor t, string what)
    {
        switch (t.DType.Element)
        {
            case ElementType.Int64 or ElementType.UInt32 or ElementType.UInt64 when !t.DType.IsQuantized:
                var longs = t.ToInt64s();
                var ints = new byte[longs.Length * 4];
                for (var i = 0; i < longs.Length; i++)
                {
                    var v = Math.Clamp(longs[i], int.MinValue, int.MaxValue);
                    BinaryPrimitives.WriteInt32LittleEndian(ints.AsSpan(i * 4), (int)v);
                }

                return ints;
            case ElementType.Float64:
                var doubles = t.ToDoubles();
                var floats = new byte[doubles.Length * 4];
                for (var i = 0; i < doubles.Length; i++)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(floats.AsSpan(i * 4), (float)doubles[i]);
                }

                return floats;
            default:
                var needed = checked((int)(t.ElementCount * t.DType.ElementSize));
                if (t.Bytes.Length < needed)
                {
                    throw new IrException($"{what}: tensor {t} holds {t.Bytes.Length} bytes, needs {needed}");
                }

                return t.Bytes[..needed];
        }
    }

    /// <summary>A DType table; Float32 is a field-less table, quantized types carry LinearQuantizationParam (zero point only for Asymm).</summary>
    public static Offset<DType> Build(FlatBufferBuilder b, MgeDType d)
    {
        var quantized = d.Kind is DTypeEnum.Quantized8Asymm or DTypeEnum.QuantizedS32 or DTypeEnum.QuantizedS8 or DTypeEnum.Quantized4Asymm
            or DTypeEnum.QuantizedS4 or DTypeEnum.QuantizedS16 or DTypeEnum.QuantizedS1;
        var param = 0;
        if (quantized)
        {
            var asymm = d.Kind is DTypeEnum.Quantized8Asymm or DTypeEnum.Quantized4Asymm;
            param = LinearQuantizationParam.CreateLinearQuantizationParam(b, d.Scale, asymm ? d.ZeroPoint : (byte)0).Value;
        }

        return DType.CreateDType(b, d.Kind, quantized ? DTypeParam.LinearQuantizationParam : DTypeParam.NONE, param);
    }
}
