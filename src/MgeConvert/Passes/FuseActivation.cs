using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Passes;

/// <summary>
/// Folds a Relu, Clip(0, 6), Sigmoid or Tanh into the op computing its input when that op can carry a fused
/// activation (<see cref="IFusableActivation"/>), has none yet, computes a float or quantized result, and the
/// activation is its only reader. Quantized: the fused op quantizes the activated reals (fake-quant semantics).
/// The fused output takes the activation output's type, and its name when that is a graph output.
/// </summary>
public sealed class FuseActivation : IPass
{
    public string Name => "FuseActivation";

    public string Description => "Fuses Relu/Relu6/Sigmoid/Tanh into the preceding Conv, ConvTranspose, Gemm or elementwise Binary op.";

    public void Run(Graph graph, PassContext context)
    {
        var consumers = graph.Consumers();
        var removed = new HashSet<Node>();
        foreach (var node in graph.Nodes)
        {
            if (Kind(node.Op) is not { } activation || node.Input(0) is not { Producer: { } producer } input
                || producer.Op is not IFusableActivation { Activation: FusedActivation.None } fusable
                || producer.Op is Binary { IsComparison: true } || removed.Contains(producer)
                || !GraphEdits.OnlyReadBy(graph, input, node, consumers) || !(input.DType.IsFloat || input.DType.IsQuantized)
                || input.DType.Element != node.Output.DType.Element)
            {
                continue;
            }

            producer.Op = fusable.WithActivation(activation);
            input.Type = node.Output.Type;
            GraphEdits.Replace(graph, node.Output, input, takeName: GraphEdits.IsGraphOutput(graph, node.Output));
            removed.Add(node);
            context.Note($"fused {node.Name} ({node.Op.Name}) into {producer.Name}");
        }

        graph.Nodes.RemoveAll(removed.Contains);
    }

    private static FusedActivation? Kind(Op op) => op switch
    {
        Unary { Function: UnaryFunction.Relu } => FusedActivation.Relu,
        Unary { Function: UnaryFunction.Sigmoid } => FusedActivation.Sigmoid,
        Unary { Function: UnaryFunction.Tanh } => FusedActivation.Tanh,
        Clip { Min: 0f, Max: 6f } => FusedActivation.Relu6,
        _ => null,
    };
}
