using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using MgeConvert.Passes;

namespace MgeConvert.Quantization;

/// <summary>
/// Quantize(Concat(Dequantize(a), Dequantize(b), ...)) becomes Concat(a, b, ...) when every input is a dequantize
/// cast of an integer value quantized per tensor with exactly the output's type, and the float concatenation is
/// read only by that quantize cast. Exact: re-quantizing a float32 dequantized integer of at most 16 bits with its own
/// scale and zero point gives the integer back. MegEngine's quantized concat is dumped this way.
/// </summary>
public sealed class ConcatQuantizedValues : IPass
{
    public string Name => "ConcatQuantizedValues";

    public string Description => "Concatenates quantized integers directly where a float concat only dequantizes and re-quantizes them with the same parameters.";

    public void Run(Graph graph, PassContext context)
    {
        var consumers = graph.Consumers();
        var removed = new HashSet<Node>();
        foreach (var quantize in graph.Nodes)
        {
            if (quantize.Op is not Cast { To: { IsQuantized: true, Quant.IsPerTensor: true, Element: ElementType.Int8 or ElementType.UInt8 or ElementType.Int16 or ElementType.UInt16 } to }
                || quantize.Input(0) is not { Producer: { Op: Concat } concat } real || real.DType != DataType.Float32
                || !GraphEdits.OnlyReadBy(graph, real, quantize, consumers)
                || !concat.Inputs.All(v => v is { Producer: { Op: Cast } dequantize } && v.DType == DataType.Float32 && dequantize.Input(0).DType == to))
            {
                continue;
            }

            for (var i = 0; i < concat.Inputs.Count; i++)
            {
                concat.Inputs[i] = concat.Input(i).Producer!.Input(0);
            }

            real.Type = new TensorType(to, real.Shape);
            GraphEdits.Replace(graph, quantize.Output, real, takeName: true);
            removed.Add(quantize);
            context.Note($"{concat.Name} concatenates {to} values directly");
        }

        graph.Nodes.RemoveAll(removed.Contains);
    }
}
