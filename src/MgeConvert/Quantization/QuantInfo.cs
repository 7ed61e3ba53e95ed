using System.Runtime.CompilerServices;
using MgeConvert.Ir;

namespace MgeConvert.Quantization;

/// <summary>
/// Quantization of one value as a converter records it: MegEngine dtype name ("qint8", "qint8_narrow",
/// "quint8", "int32", ...), integer range and scale/zero point (per-tensor or per-channel).
/// </summary>
public sealed record QuantInfo(string DTypeName, long QMin, long QMax, float[] Scales, long[]? ZeroPoints, int? Axis = null)
{
    public float Scale => Scales[0];

    /// <summary>
    /// Whether the QAT model rounds this value to these parameters (a fake quantizer runs on it, or a graph input
    /// is declared quantized). False for parameters recorded for conversion only: carried over from the producer's
    /// input (float ops and aliases after a fake quantizer do not round again), or a bias MegEngine leaves unrounded.
    /// </summary>
    public bool FakeQuantized { get; init; } = true;

    public bool IsPerTensor => Scales.Length == 1;

    /// <summary>The storage element type of the quantized integers.</summary>
    public ElementType Storage => DTypeName.TrimStart('q') switch
    {
        "int8" or "int8_narrow" or "int4" or "int1" or "int2" => ElementType.Int8,
        "uint8" or "uint4" or "uint2" => ElementType.UInt8,
        "int16" => ElementType.Int16,
        "uint16" => ElementType.UInt16,
        "int32" => ElementType.Int32,
        "int64" => ElementType.Int64,
        _ => ElementType.Int8,
    };

    /// <summary>Same dtype, range, scales, zero points and axis (ignoring <see cref="FakeQuantized"/>).</summary>
    public bool SameQuantization(QuantInfo other) =>
        DTypeName == other.DTypeName && QMin == other.QMin && QMax == other.QMax && Scales.AsSpan().SequenceEqual(other.Scales)
        && (ZeroPoints ?? new long[Scales.Length]).AsSpan().SequenceEqual(other.ZeroPoints ?? new long[other.Scales.Length])
        && (IsPerTensor || Axis == other.Axis);

    public QuantParams ToQuantParams() =>
        new(Scales, ZeroPoints ?? new long[Scales.Length], Scales.Length > 1 ? Axis ?? 0 : null);

    /// <summary>The builtin MegEngine quantized dtypes and numpy integer dtypes with their ranges.</summary>
    public static (long QMin, long QMax)? RangeOf(string dtypeName) => dtypeName switch
    {
        "quint8" or "uint8" => (0, 255),
        "qint8" or "int8" => (-128, 127),
        "qint8_narrow" => (-127, 127),
        "quint4" => (0, 15),
        "qint4" => (-8, 7),
        "qint1" => (0, 1),
        "qint32" or "int32" => (int.MinValue, int.MaxValue),
        "quint2" => (0, 3),
        "qint2" => (-2, 1),
        "int16" => (short.MinValue, short.MaxValue),
        "uint16" => (0, ushort.MaxValue),
        "int64" => (long.MinValue, long.MaxValue),
        "uint32" => (0, uint.MaxValue),
        _ => null,
    };
}

/// <summary>
/// Quantization recorded on IR values of QAT models: the values stay float (fake-quantized floats), so their
/// <see cref="DataType"/> is untouched; writers that emit quantized tensors, fake-quant nodes or
/// quant_params.json look the parameters up here.
/// </summary>
public static class QuantAnnotations
{
    private static readonly ConditionalWeakTable<Value, QuantInfo> Table = new();

    public static QuantInfo? Get(Value value) => Table.TryGetValue(value, out var info) ? info : null;

    /// <summary>The scale/zero point of an annotated value, or null.</summary>
    public static QuantParams? Params(Value value) => Get(value)?.ToQuantParams();

    public static void Set(Value value, QuantInfo info) => Table.AddOrUpdate(value, info);

    public static void Clear(Value value) => Table.Remove(value);

    /// <summary>
    /// How many fake quantizations a QAT model runs that its graph keeps as annotations rather than nodes: one per
    /// annotated weight or rounded bias (weight_fake_quant, fake_quant_bias) and per activation an act_fake_quant
    /// rounds. Not counted: graph inputs (their quantization is declared, not computed) and outputs of Identity
    /// nodes, which stand for QuantStub modules whose only computation is that fake quantization.
    /// </summary>
    public static int FakeQuantizations(Graph graph) =>
        graph.Nodes.SelectMany(n => n.Inputs.OfType<Value>().Concat(n.Outputs)).Distinct()
            .Count(v => Get(v) is { FakeQuantized: true } && !graph.Inputs.Contains(v) && v.Producer?.Op is not Ir.Ops.Identity);

    /// <summary>Whether any value of the graph is annotated.</summary>
    public static bool HasAny(Graph graph) =>
        graph.Inputs.Concat(graph.Outputs).Concat(graph.Nodes.SelectMany(n => n.Inputs.OfType<Value>().Concat(n.Outputs))).Any(v => Get(v) is not null);
}
