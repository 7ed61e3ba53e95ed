using MgeConvert.Ir;

namespace MgeConvert.Formats.Onnx;

/// <summary>
/// The first opset at which an operator accepts non-float element types (per the operator type constraints
/// of the ONNX specification, and ONNX Runtime's kernels for Max/Min). Float types are accepted throughout.
/// </summary>
internal static class OnnxTypeSupport
{
    private const int Never = int.MaxValue;

    private static readonly ElementType[] SmallInts = [ElementType.Int8, ElementType.Int16, ElementType.UInt8, ElementType.UInt16];

    /// <summary>Null when the type is accepted at every opset the writer targets.</summary>
    public static int? MinOpset(string opType, ElementType type)
    {
        if (type is ElementType.Float32 or ElementType.Float16)
        {
            return null;
        }

        var integer = type.IsInteger();
        int since = opType switch
        {
            "Add" or "Sub" or "Mul" or "Div" => SmallInts.Contains(type) ? 14 : type == ElementType.Bool ? Never : 7,
            "Max" or "Min" => type == ElementType.Float64 ? 8 : integer ? 12 : Never,
            "Pow" => type is ElementType.Int32 or ElementType.Int64 or ElementType.Float64 ? 12 : Never,
            "Clip" => integer || type == ElementType.Float64 ? 12 : Never,
            "Pad" => integer || type == ElementType.Float64 ? 11 : Never,
            "MaxPool" => type is ElementType.Int8 or ElementType.UInt8 ? 12 : type == ElementType.Float64 ? 1 : Never,
            "Relu" => type is ElementType.Int8 or ElementType.Int16 or ElementType.Int32 or ElementType.Int64 ? 14 : type == ElementType.Float64 ? 1 : Never,
            "Less" or "Greater" => integer || type == ElementType.Float64 ? 9 : Never,
            _ => 0,
        };
        return since <= OnnxWriter.MinOpset ? null : since;
    }
}
