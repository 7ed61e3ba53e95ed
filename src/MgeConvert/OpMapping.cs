using MgeConvert.Ir;

namespace MgeConvert;

/// <summary>
/// What became of one source operator: the nodes of the written graph that took its place. Status is "kept"
/// (same node, same op), "rewritten" (other ops produce its outputs) or "removed" (folded, fused or dead).
/// </summary>
public sealed record OpMapping(string Node, string Op, string Status, IReadOnlyList<MappedNode> Into);

public sealed record MappedNode(string Node, string Op);

public static class OpMappings
{
    /// <summary>A source node's name and outputs, taken before the passes rewrite the graph.</summary>
    public sealed record SourceNode(string Name, string Op, IReadOnlyList<string> Outputs);

    public static IReadOnlyList<SourceNode> Snapshot(Graph graph) =>
        [.. graph.Nodes.Select(n => new SourceNode(n.Name, n.Op.Name, [.. n.Outputs.Select(o => o.Name)]))];

    /// <summary>
    /// Matches source nodes to the nodes handed to the writer by node name, then by the names of the values they
    /// produce (passes keep both when they replace an op).
    /// </summary>
    public static IReadOnlyList<OpMapping> Between(IReadOnlyList<SourceNode> source, Graph written)
    {
        var byName = new Dictionary<string, Node>(StringComparer.Ordinal);
        var byOutput = new Dictionary<string, Node>(StringComparer.Ordinal);
        foreach (var node in written.Nodes)
        {
            byName.TryAdd(node.Name, node);
            foreach (var output in node.Outputs)
            {
                byOutput.TryAdd(output.Name, node);
            }
        }

        var result = new List<OpMapping>(source.Count);
        foreach (var s in source)
        {
            var into = new List<Node>();
            if (byName.TryGetValue(s.Name, out var same))
            {
                into.Add(same);
            }

            foreach (var output in s.Outputs)
            {
                if (byOutput.TryGetValue(output, out var producer) && !into.Contains(producer))
                {
                    into.Add(producer);
                }
            }

            var status = into.Count == 0 ? "removed"
                : into.Count == 1 && into[0].Name == s.Name && into[0].Op.Name == s.Op ? "kept"
                : "rewritten";
            result.Add(new OpMapping(s.Name, s.Op, status, [.. into.Select(n => new MappedNode(n.Name, n.Op.Name))]));
        }

        return result;
    }
}
