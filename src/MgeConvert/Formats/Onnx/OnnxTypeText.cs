using MgeConvert.Formats.Onnx.Proto;
using MgeConvert.Ir;

namespace MgeConvert.Formats.Onnx;

/// <summary>Readable text for an ONNX TypeProto: an IR element name when the IR has one, else the ONNX spelling.</summary>
internal static class OnnxTypeText
{
    public static string Of(TypeProto? type) => type?.ValueCase switch
    {
        TypeProto.ValueOneofCase.TensorType => Element(type.TensorType.ElemType),
        TypeProto.ValueOneofCase.SparseTensorType => $"sparse_tensor({Element(type.SparseTensorType.ElemType)})",
        TypeProto.ValueOneofCase.SequenceType => $"seq({Of(type.SequenceType.ElemType)})",
        TypeProto.ValueOneofCase.MapType => $"map({Element(type.MapType.KeyType)},{Of(type.MapType.ValueType)})",
        TypeProto.ValueOneofCase.OptionalType => $"optional({Of(type.OptionalType.ElemType)})",
        _ => "untyped",
    };

    private static string Element(int onnxType) =>
        OnnxTensors.ToElement(onnxType) is { } element ? new DataType(element).ToString() : OnnxTensors.TypeName(onnxType).ToLowerInvariant();
}
