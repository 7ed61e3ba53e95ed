using MgeConvert.Formats.TFLite.Schema;

namespace MgeConvert.Formats.TFLite;

/// <summary>Affine quantization of a TFLite tensor; <see cref="Dimension"/> is the channel axis of per-channel scales.</summary>
internal sealed record TFLiteQuantization(float[] Scales, long[] ZeroPoints, int Dimension);

/// <summary>A tensor of the subgraph being built; <see cref="Data"/> is set for constants.</summary>
internal sealed class TFLiteTensor(int index, string name, TensorType type, int[] shape, TFLiteQuantization? quantization, ConstantBytes? data)
{
    public int Index { get; } = index;

    public string Name { get; } = name;

    public TensorType Type { get; } = type;

    public int[] Shape { get; } = shape;

    public TFLiteQuantization? Quantization { get; } = quantization;

    public ConstantBytes? Data { get; } = data;

    /// <summary>The shape with -1 for dimensions unknown at conversion time (their <see cref="Shape"/> entry is 1); null when static.</summary>
    public int[]? Signature { get; init; }

    public override string ToString() => $"{Name} {Type}[{string.Join(",", Shape)}]";
}

/// <summary>
/// One operator of the subgraph being built. <see cref="Options"/> writes its builtin options table; a CUSTOM
/// operator has a <see cref="CustomCode"/> and FlexBuffers <see cref="CustomOptions"/> instead.
/// </summary>
internal sealed record TFLiteOperator(BuiltinOperator Code, int[] Inputs, int[] Outputs, BuiltinOptions OptionsType,
    Func<Google.FlatBuffers.FlatBufferBuilder, int>? Options)
{
    public string? CustomCode { get; init; }

    public byte[]? CustomOptions { get; init; }

    /// <summary>The builtin code, or the custom code for CUSTOM operators (what the operator-code table is keyed by).</summary>
    public string Key => CustomCode ?? Code.ToString();
}
