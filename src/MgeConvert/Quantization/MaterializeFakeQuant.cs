using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using MgeConvert.Passes;

namespace MgeConvert.Quantization;

/// <summary>
/// Makes a QAT model's fake quantization explicit so that float runtimes compute what MegEngine's QAT model
/// computes: annotated weights are replaced by their fake-quantized values, and every activation a fake
/// quantizer of the model rounds (8-bit, per-tensor) gets a quantize/dequantize pair (Cast to the quantized
/// type and back), which ONNX writes as QuantizeLinear/DequantizeLinear. Values the model does not round
/// (<see cref="QuantInfo.FakeQuantized"/> false) are left alone. Graph input and output names do not change.
/// Runs before passes that remove or rename values, since the annotations belong to the value objects.
/// </summary>
public sealed class MaterializeFakeQuant : IPass
{
    public string Name => "materialize-fake-quant";

    public string Description =>
        "fake-quantizes annotated constants and wraps fake-quantized 8-bit activations in quantize/dequantize pairs";

    /// <summary>Also wraps symmetric int16 activations (TFLite's 16x8 kernels; ONNX quantizes 16 bits only from opset 21).</summary>
    public bool Include16Bit { get; init; }

    public void Run(Graph graph, PassContext context)
    {
        var values = graph.Inputs
            .Concat(graph.Nodes.SelectMany(n => n.Inputs.OfType<Value>().Concat(n.Outputs)))
            .Distinct()
            .ToList();
        var added = false;
        foreach (var value in values)
        {
            if (QuantAnnotations.Get(value) is not { FakeQuantized: true } info)
            {
                continue;
            }

            if (value.Constant is { } data)
            {
                value.SetConstant(FakeQuant.Apply(data, info));
                context.Note($"fake-quantized weight {value.Name} ({info.DTypeName})");
            }
            else if (info.IsPerTensor && (info.Storage is ElementType.Int8 or ElementType.UInt8 || (Include16Bit && IsSymmetric16Bit(info)))
                && value.DType.IsFloat
                && !IsAlreadyQuantized(value, info))
            {
                WrapInQuantDequant(graph, value, info);
                context.Note($"quantize/dequantize {value.Name} ({info.DTypeName}, scale {info.Scale:R})");
                added = true;
            }
        }

        if (added)
        {
            graph.SortTopologically();
        }
    }

    private static bool IsSymmetric16Bit(QuantInfo info) => info.Storage == ElementType.Int16 && (info.ZeroPoints ?? [0]).All(z => z == 0);

    /// <summary>A dequantized value, or an alias (Identity, Dropout) of a value with the same quantization, needs no more rounding.</summary>
    private static bool IsAlreadyQuantized(Value value, QuantInfo info) => value.Producer switch
    {
        { Op: Cast } cast => cast.Input(0).DType.Quant is { } q && q.Equals(info.ToQuantParams()),
        { Op: Identity or Dropout } alias => QuantAnnotations.Get(alias.Input(0)) is { } source && source.SameQuantization(info),
        _ => false,
    };

    private static void WrapInQuantDequant(Graph graph, Value value, QuantInfo info)
    {
        var isInput = graph.Inputs.Contains(value);
        if (isInput && graph.Outputs.Contains(value))
        {
            return;
        }

        var name = value.Name;
        if (!isInput)
        {
            value.Name = graph.UniqueName(name + "_float");
            QuantAnnotations.Clear(value);
        }

        var quantizedType = new DataType(info.Storage, info.ToQuantParams());
        var quantized = new Value(graph.UniqueName(name + "_quantized"), new TensorType(quantizedType, value.Shape));
        var dequantized = new Value(isInput ? graph.UniqueName(name + "_dequantized") : name, new TensorType(value.DType, value.Shape));
        QuantAnnotations.Set(dequantized, info);
        graph.ReplaceUses(value, dequantized);
        graph.Nodes.Add(new Node(quantized.Name, new Cast(quantizedType), [value], [quantized]));
        graph.Nodes.Add(new Node(graph.UniqueName(name + "_dequantize"), new Cast(value.DType), [quantized], [dequantized]));
    }
}
