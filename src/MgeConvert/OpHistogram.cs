using MgeConvert.Ir;

namespace MgeConvert;

/// <summary>How many nodes of one op a graph has.</summary>
public sealed record OpCount(string Op, int Count);

public static class OpHistogram
{
    /// <summary>Node counts by <see cref="Op.Name"/>, most frequent first, then by name.</summary>
    public static IReadOnlyList<OpCount> Of(Graph graph) =>
        [.. graph.Nodes
            .GroupBy(n => n.Op.Name, StringComparer.Ordinal)
            .Select(g => new OpCount(g.Key, g.Count()))
            .OrderByDescending(c => c.Count)
            .ThenBy(c => c.Op, StringComparer.Ordinal)];

    /// <summary>
    /// The ops a source model runs: <see cref="Of(Graph)"/> plus, for a QAT model, a FakeQuantize entry counting the
    /// fake quantizations the graph keeps as value annotations (<see cref="Quantization.QuantAnnotations.FakeQuantizations"/>).
    /// </summary>
    public static IReadOnlyList<OpCount> OfSource(Graph graph)
    {
        var fakeQuantizations = Quantization.QuantAnnotations.FakeQuantizations(graph);
        if (fakeQuantizations == 0)
        {
            return Of(graph);
        }

        var counts = Of(graph).ToDictionary(c => c.Op, c => c.Count, StringComparer.Ordinal);
        counts[FakeQuantize] = counts.GetValueOrDefault(FakeQuantize) + fakeQuantizations;
        return Of(counts);
    }

    /// <summary>The name <see cref="OfSource"/> counts annotated fake quantizations under.</summary>
    public const string FakeQuantize = "FakeQuantize";

    /// <summary>Counts keyed by op name, most frequent first, then by name.</summary>
    public static IReadOnlyList<OpCount> Of(IReadOnlyDictionary<string, int> counts) =>
        [.. counts.Select(c => new OpCount(c.Key, c.Value)).OrderByDescending(c => c.Count).ThenBy(c => c.Op, StringComparer.Ordinal)];

    public static int Total(this IReadOnlyList<OpCount> histogram) => histogram.Sum(c => c.Count);
}
