using System.Runtime.InteropServices;
using Google.Protobuf;
using MgeConvert.Formats.Onnx.Proto;
using MgeConvert.Ir;

namespace MgeConvert.Formats.Onnx;

/// <summary>Conversions between ONNX element types / TensorProto and IR data types / tensors.</summary>
internal static class OnnxTensors
{
    public static ElementType? ToElement(int onnxType) => (TensorProto.Types.DataType)onnxType switch
    {
        TensorProto.Types.DataType.Float => ElementType.Float32,
        TensorProto.Types.DataType.Float16 => ElementType.Float16,
        TensorProto.Types.DataType.Double => ElementType.Float64,
        TensorProto.Types.DataType.Int8 => ElementType.Int8,
        TensorProto.Types.DataType.Uint8 => ElementType.UInt8,
        TensorProto.Types.DataType.Int16 => ElementType.Int16,
        TensorProto.Types.DataType.Uint16 => ElementType.UInt16,
        TensorProto.Types.DataType.Int32 => ElementType.Int32,
        TensorProto.Types.DataType.Uint32 => ElementType.UInt32,
        TensorProto.Types.DataType.Int64 => ElementType.Int64,
        TensorProto.Types.DataType.Uint64 => ElementType.UInt64,
        TensorProto.Types.DataType.Bool => ElementType.Bool,
        _ => null,
    };

    public static int ToOnnx(ElementType type) => (int)(type switch
    {
        ElementType.Float32 => TensorProto.Types.DataType.Float,
        ElementType.Float16 => TensorProto.Types.DataType.Float16,
        ElementType.Float64 => TensorProto.Types.DataType.Double,
        ElementType.Int8 => TensorProto.Types.DataType.Int8,
        ElementType.UInt8 => TensorProto.Types.DataType.Uint8,
        ElementType.Int16 => TensorProto.Types.DataType.Int16,
        ElementType.UInt16 => TensorProto.Types.DataType.Uint16,
        ElementType.Int32 => TensorProto.Types.DataType.Int32,
        ElementType.UInt32 => TensorProto.Types.DataType.Uint32,
        ElementType.Int64 => TensorProto.Types.DataType.Int64,
        ElementType.UInt64 => TensorProto.Types.DataType.Uint64,
        ElementType.Bool => TensorProto.Types.DataType.Bool,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    });

    public static string TypeName(int onnxType) =>
        Enum.IsDefined(typeof(TensorProto.Types.DataType), onnxType) ? ((TensorProto.Types.DataType)onnxType).ToString().ToUpperInvariant() : $"type {onnxType}";

    /// <summary>Decodes a TensorProto (raw_data or the typed repeated fields); throws with a reason when impossible.</summary>
    public static Tensor ToTensor(TensorProto? proto)
    {
        if (proto is null)
        {
            throw new NotSupportedException("a tensor attribute holds no tensor (wrong attribute type)");
        }

        var element = ToElement(proto.DataType)
            ?? throw new NotSupportedException($"tensor {proto.Name} has element type {TypeName(proto.DataType)}, which the IR cannot hold");
        if (proto.DataLocation == 1 || proto.ExternalData.Count > 0)
        {
            throw new NotSupportedException($"tensor {proto.Name} keeps its data in an external file");
        }

        if (proto.Dims.Any(d => d < 0) || proto.Dims.Aggregate(1.0, (p, d) => p * d) * element.SizeOf() > int.MaxValue)
        {
            throw new NotSupportedException($"tensor {proto.Name} has invalid dimensions [{string.Join(",", proto.Dims)}]");
        }

        var shape = new Shape([.. proto.Dims]);
        var dtype = new DataType(element);
        var count = (int)shape.ElementCount;
        if (proto.HasRawData)
        {
            return proto.RawData.Length == count * element.SizeOf()
                ? new Tensor(dtype, shape, proto.RawData.Memory)
                : throw new NotSupportedException($"tensor {proto.Name} has {proto.RawData.Length} bytes of raw data for {count} {element} elements");
        }

        var bytes = new byte[count * element.SizeOf()];
        switch (element)
        {
            case ElementType.Float32: Fill(bytes, proto.FloatData, count, proto.Name); break;
            case ElementType.Float64: Fill(bytes, proto.DoubleData, count, proto.Name); break;
            case ElementType.Int64: Fill(bytes, proto.Int64Data, count, proto.Name); break;
            case ElementType.UInt32: Fill(bytes, [.. proto.Uint64Data.Select(v => (uint)v)], count, proto.Name); break;
            case ElementType.UInt64: Fill(bytes, proto.Uint64Data, count, proto.Name); break;
            case ElementType.Int32: Fill(bytes, proto.Int32Data, count, proto.Name); break;
            case ElementType.Int16: Fill(bytes, [.. proto.Int32Data.Select(v => (short)v)], count, proto.Name); break;
            case ElementType.UInt16 or ElementType.Float16: Fill(bytes, [.. proto.Int32Data.Select(v => (ushort)v)], count, proto.Name); break;
            case ElementType.Int8: Fill(bytes, [.. proto.Int32Data.Select(v => (sbyte)v)], count, proto.Name); break;
            case ElementType.UInt8 or ElementType.Bool: Fill(bytes, [.. proto.Int32Data.Select(v => (byte)v)], count, proto.Name); break;
            default: throw new NotSupportedException($"tensor {proto.Name}: element type {element}");
        }

        return new Tensor(dtype, shape, bytes);
    }

    /// <summary>Encodes a tensor as raw little-endian data (the storage type of quantized tensors).</summary>
    public static TensorProto FromTensor(string name, Tensor tensor)
    {
        var proto = new TensorProto { Name = name, DataType = ToOnnx(tensor.DType.Element), RawData = UnsafeByteOperations.UnsafeWrap(tensor.Bytes) };
        proto.Dims.AddRange(tensor.Shape);
        return proto;
    }

    private static void Fill<T>(byte[] target, IReadOnlyList<T> values, int count, string name)
        where T : unmanaged
    {
        if (values.Count != count)
        {
            throw new NotSupportedException($"tensor {name} has {values.Count} values for {count} elements");
        }

        MemoryMarshal.AsBytes(values.ToArray().AsSpan()).CopyTo(target);
    }
}
