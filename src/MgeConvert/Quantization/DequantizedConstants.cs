using System.Runtime.CompilerServices;
using MgeConvert.Ir;

namespace MgeConvert.Quantization;

/// <summary>
/// Float constants a reader made by dequantizing stored integers (the weights of a quantized .mge), with the
/// quantized type they came from, so that a writer emitting integer models can store the same integers again.
/// Unlike <see cref="QuantAnnotations"/>, this records no QAT behaviour and never reaches quant_params.json.
/// </summary>
public static class DequantizedConstants
{
    private static readonly ConditionalWeakTable<Value, DataType> Table = new();

    public static DataType? Get(Value value) => Table.TryGetValue(value, out var type) ? type : null;

    public static void Set(Value value, DataType quantized) => Table.AddOrUpdate(value, quantized);
}
