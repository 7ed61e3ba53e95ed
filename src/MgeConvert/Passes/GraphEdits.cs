using MgeConvert.Ir;

namespace MgeConvert.Passes;

/// <summary>Small graph edits shared by the passes.</summary>
internal static class GraphEdits
{
    public static bool IsGraphOutput(Graph graph, Value value) => graph.Outputs.Contains(value);

    /// <summary>True when only <paramref name="reader"/> reads the value and it is not a graph output.</summary>
    public static bool OnlyReadBy(Graph graph, Value value, Node reader, Dictionary<Value, List<Node>> consumers) =>
        !IsGraphOutput(graph, value) && consumers.TryGetValue(value, out var readers) && readers.Count == 1 && readers[0] == reader;

    /// <summary>
    /// Makes <paramref name="survivor"/> stand for <paramref name="removed"/>: every reader switches to it, and it
    /// takes the removed value's name when <paramref name="takeName"/> is set (the removed value disappears).
    /// </summary>
    public static void Replace(Graph graph, Value removed, Value survivor, bool takeName)
    {
        graph.ReplaceUses(removed, survivor);
        if (takeName)
        {
            survivor.Name = removed.Name;
        }
    }

    /// <summary>A new constant value with a unique name derived from <paramref name="wanted"/>.</summary>
    public static Value NewConstant(Graph graph, string wanted, Tensor data) => new(graph.UniqueName(wanted), data);

    /// <summary>Reals of a constant value (dequantized when quantized).</summary>
    public static double[] Reals(Value constant) =>
        Reference.TensorValues.Reals(constant.Constant ?? throw new InvalidOperationException($"{constant.Name} is not a constant"));
}
