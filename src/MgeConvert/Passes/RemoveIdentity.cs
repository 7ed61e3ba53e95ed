using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Passes;

/// <summary>
/// Removes Identity and inference-mode Dropout nodes; their readers read the input instead. When the removed
/// output is a graph output, the input (if a node computes it and it is no graph output itself) takes over the
/// output's name; otherwise the node stays, so graph output names never change.
/// </summary>
public sealed class RemoveIdentity : IPass
{
    public string Name => "RemoveIdentity";

    public string Description => "Removes Identity and Dropout nodes, keeping graph output names.";

    /// <summary>
    /// Keeps an Identity whose output a QAT fake quantizer rounds (a QuantStub) and its input does not: for
    /// targets that write the fake quantization itself, it is no identity.
    /// </summary>
    public bool KeepFakeQuantizers { get; init; }

    public void Run(Graph graph, PassContext context)
    {
        var removed = new HashSet<Node>();
        foreach (var node in graph.Nodes)
        {
            if (node.Op is not (Identity or Dropout))
            {
                continue;
            }

            var input = node.Input(0);
            var output = node.Output;
            var isOutput = GraphEdits.IsGraphOutput(graph, output);
            if (isOutput && (input.Producer is null || GraphEdits.IsGraphOutput(graph, input)))
            {
                continue;
            }

            if (input.DType != output.DType || (KeepFakeQuantizers && RoundsAgain(input, output)))
            {
                continue;
            }

            GraphEdits.Replace(graph, output, input, takeName: isOutput);
            removed.Add(node);
        }

        graph.Nodes.RemoveAll(removed.Contains);
        if (removed.Count > 0)
        {
            context.Note($"removed {removed.Count} identity/dropout node(s)");
        }
    }

    private static bool RoundsAgain(Value input, Value output) =>
        Quantization.QuantAnnotations.Get(output) is { FakeQuantized: true } rounded
        && !(Quantization.QuantAnnotations.Get(input) is { FakeQuantized: true } already && already.SameQuantization(rounded));
}
