using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using MgeConvert.Passes;

namespace MgeConvert.Quantization;

/// <summary>
/// Makes a QAT model's fake quantization explicit so that float runtimes compute what MegEngine's QAT model
/// computes: annotated weights are replaced by their fake-quantized values, and every annotated 8-bit
/// activation gets a quantize/dequantize pair (Cast to the quantized type and back), which ONNX writes as
/// QuantizeLinear/DequantizeLinear. Graph output names stay on the dequantized values.
/// </summary>
public sealed class MaterializeFakeQuant : IPass
{
    public string Name => "materialize-fake-quant";

    public string Description =>
        "fake-quantizes annotated constants and wraps annotated 8-bit activations in quantize/dequantize pairs";

    public void Run(Graph graph, PassContext context)
    {
        var values = graph.Inputs
            .Concat(graph.Nodes.SelectMany(n => n.Inputs.OfType<Value>().Concat(n.Outputs)))
            .Distinct()
            .ToList();
        var added = false;
        foreach (var value in values)
        {
            if (QuantAnnotations.Get(value) is not { } info)
            {
                continue;
            }

            if (value.Constant is { } data)
            {
                value.SetConstant(FakeQuant.Apply(data, info));
                context.Note($"fake-quantized weight {value.Name} ({info.DTypeName})");
            }
            else if (info.IsPerTensor && info.Storage is ElementType.Int8 or ElementType.UInt8 && value.DType.IsFloat)
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

    private static void WrapInQuantDequant(Graph graph, Value value, QuantInfo info)
    {
        var name = value.Name;
        value.Name = graph.UniqueName(name + "_float");
        var quantizedType = new DataType(info.Storage, info.ToQuantParams());
        var quantized = new Value(graph.UniqueName(name + "_quantized"), new TensorType(quantizedType, value.Shape));
        var dequantized = new Value(name, new TensorType(value.DType, value.Shape));
        graph.ReplaceUses(value, dequantized);
        graph.Nodes.Add(new Node(quantized.Name, new Cast(quantizedType), [value], [quantized]));
        graph.Nodes.Add(new Node(graph.UniqueName(name + "_dequantize"), new Cast(value.DType), [quantized], [dequantized]));
    }
}
