using MgeConvert.Ir;

namespace MgeConvert.Passes;

/// <summary>Removes nodes none of whose outputs is read by a live node or is a graph output.</summary>
public sealed class EliminateDeadCode : IPass
{
    public string Name => "EliminateDeadCode";

    public string Description => "Removes nodes whose results nobody reads and that compute no graph output.";

    public void Run(Graph graph, PassContext context)
    {
        var live = new HashSet<Value>(graph.Outputs);
        var dead = new HashSet<Node>();
        for (var i = graph.Nodes.Count - 1; i >= 0; i--)
        {
            var node = graph.Nodes[i];
            if (!node.Outputs.Any(live.Contains))
            {
                dead.Add(node);
                continue;
            }

            foreach (var input in node.Inputs)
            {
                if (input is not null)
                {
                    live.Add(input);
                }
            }
        }

        graph.Nodes.RemoveAll(dead.Contains);
        if (dead.Count > 0)
        {
            context.Note($"removed {dead.Count} dead node(s)");
        }
    }
}
