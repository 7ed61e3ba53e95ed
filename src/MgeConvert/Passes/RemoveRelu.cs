using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Passes;

/// <summary>
/// The original's --remove_relu (REMOVE_TFLITE_RELU): every Relu is bypassed and a fused Relu activation is
/// cleared, for quantized models whose output range already starts at zero. Unlike the other passes this one
/// changes results on negative values by design; a Relu whose output is a graph output stays, so output names never change.
/// </summary>
public sealed class RemoveRelu : IPass
{
    public string Name => "RemoveRelu";

    public string Description => "Removes every Relu and fused Relu activation (--remove_relu).";

    public void Run(Graph graph, PassContext context)
    {
        var removed = new HashSet<Node>();
        var cleared = 0;
        foreach (var node in graph.Nodes)
        {
            if (node.Op is IFusableActivation { Activation: FusedActivation.Relu } fused)
            {
                node.Op = fused.WithActivation(FusedActivation.None);
                cleared++;
                continue;
            }

            if (node.Op is not Unary { Function: UnaryFunction.Relu } || GraphEdits.IsGraphOutput(graph, node.Output)
                || node.Input(0).DType != node.Output.DType)
            {
                continue;
            }

            GraphEdits.Replace(graph, node.Output, node.Input(0), takeName: false);
            removed.Add(node);
        }

        graph.Nodes.RemoveAll(removed.Contains);
        if (removed.Count + cleared > 0)
        {
            context.Note($"--remove_relu: removed {removed.Count} Relu node(s), cleared {cleared} fused Relu activation(s)");
        }
    }
}
