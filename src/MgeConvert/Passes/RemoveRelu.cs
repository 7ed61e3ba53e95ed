using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Passes;

/// <summary>
/// --remove_relu (mgeconvert's REMOVE_TFLITE_RELU): deletes every Relu and clears the Relu activation of
/// convolutions and transposed convolutions, for targets where the following quantization already clips at zero.
/// This changes the results of values that can be negative; the user asks for it. A removed Relu's result is
/// then computed by its input's producer, which keeps the Relu result's name and quantization annotations.
/// </summary>
public sealed class RemoveRelu : IPass
{
    public string Name => "RemoveRelu";

    public string Description => "Deletes every Relu and the Relu activation of Conv/ConvTranspose (--remove_relu).";

    public void Run(Graph graph, PassContext context)
    {
        var consumers = graph.Consumers();
        var removed = new HashSet<Node>();
        var cleared = 0;
        foreach (var node in graph.Nodes)
        {
            if (node.Op is Conv { Activation: FusedActivation.Relu } conv)
            {
                node.Op = conv with { Activation = FusedActivation.None };
                cleared++;
            }
            else if (node.Op is ConvTranspose { Activation: FusedActivation.Relu } deconv)
            {
                node.Op = deconv with { Activation = FusedActivation.None };
                cleared++;
            }
            else if (node.Op is Unary { Function: UnaryFunction.Relu })
            {
                Bypass(graph, node, consumers);
                removed.Add(node);
            }
        }

        graph.Nodes.RemoveAll(removed.Contains);
        if (removed.Count + cleared > 0)
        {
            context.Note($"removed {removed.Count} Relu node(s), cleared {cleared} fused Relu activation(s)");
        }
    }

    private static void Bypass(Graph graph, Node relu, Dictionary<Value, List<Node>> consumers)
    {
        var input = relu.Input(0);
        var result = relu.Output;
        if (input.Producer is { } producer && !graph.Outputs.Contains(input) && GraphEdits.OnlyReadBy(graph, input, relu, consumers))
        {
            var index = producer.Outputs.IndexOf(input);
            producer.Outputs[index] = result;
            result.Producer = producer;
            return;
        }

        GraphEdits.Replace(graph, result, input, takeName: false);
    }
}
