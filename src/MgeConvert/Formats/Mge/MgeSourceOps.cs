using MgeConvert.Ir;

namespace MgeConvert.Formats.Mge;

/// <summary>Graph inputs (Host2DeviceCopy) and constants (ImmutableTensor and the shared-tensor holders), §7.4.</summary>
internal static class MgeSourceOps
{
    public static Value?[] Input(MgeConversion cx)
    {
        var t = Single(cx);
        var name = string.IsNullOrEmpty(t.Name) ? cx.OutputName() : t.Name;
        var dtype = MgeDTypes.Require(t.DType, $"input {name}");
        return [cx.Builder.Input(name, dtype, new Shape(t.Shape))];
    }

    public static Value?[] Constants(MgeConversion cx)
    {
        var op = cx.Current;
        if (op.Tensors.Count == 0)
        {
            throw new ModelFormatException(cx.File, $"{op.Describe} holds no tensor", op: op.Describe);
        }

        return [.. op.Tensors.Select((t, i) => (Value?)cx.Constant(ToTensor(cx, t), t.Name ?? cx.OutputName(i)))];
    }

    public static Tensor ToTensor(MgeConversion cx, MgeTensorRecord t)
    {
        var dtype = MgeDTypes.Require(t.DType, cx.Current.Describe + " tensor");
        var shape = new Shape(t.Shape);
        var needed = checked(shape.ElementCount * dtype.ElementSize);
        if (t.Data is not { } data || data.Length < needed)
        {
            throw new ModelFormatException(cx.File,
                $"{cx.Current.Describe}: tensor {dtype}{shape} needs {needed} value bytes, the file holds {t.Data?.Length ?? 0}", op: cx.Current.Describe);
        }

        return new Tensor(dtype, shape, data[..(int)needed]);
    }

    private static MgeTensorRecord Single(MgeConversion cx) =>
        cx.Current.Tensors.Count == 1 ? cx.Current.Tensors[0]
            : throw new ModelFormatException(cx.File, $"{cx.Current.Describe} should hold one tensor, holds {cx.Current.Tensors.Count}", op: cx.Current.Describe);
}
