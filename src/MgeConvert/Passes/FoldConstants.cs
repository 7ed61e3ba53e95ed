using MgeConvert.Ir;

namespace MgeConvert.Passes;

/// <summary>
/// Replaces every node whose present inputs are all constants (and ShapeOf of a static shape) by constants
/// holding its results, computed with the reference kernels. Results over the evaluator's size bound are not
/// folded. The folded values keep their names, so graph outputs may become constants.
/// </summary>
public sealed class FoldConstants : IPass
{
    public string Name => "FoldConstants";

    public string Description => "Computes nodes whose inputs are all constants and replaces their outputs by constants.";

    public void Run(Graph graph, PassContext context)
    {
        var folded = new HashSet<Node>();
        foreach (var node in graph.Nodes)
        {
            if (context.Evaluator.TryEvaluate(node) is not { } results || results.Length != node.Outputs.Count)
            {
                continue;
            }

            for (var i = 0; i < results.Length; i++)
            {
                node.Outputs[i].SetConstant(results[i]);
            }

            folded.Add(node);
        }

        graph.Nodes.RemoveAll(folded.Contains);
        if (folded.Count > 0)
        {
            context.Note($"folded {folded.Count} node(s) into constants");
        }
    }
}
