namespace MgeConvert.Ir;

/// <summary>Structural checks: dangling values, order/cycles, duplicate names, type mismatches.</summary>
public static class GraphValidator
{
    /// <summary>All problems found; empty when the graph is well-formed.</summary>
    public static List<string> Check(Graph graph)
    {
        var problems = new List<string>();
        var available = new HashSet<Value>(graph.Inputs);
        var names = new Dictionary<string, Value>(StringComparer.Ordinal);
        var producers = new HashSet<Node>(graph.Nodes);

        foreach (var input in graph.Inputs)
        {
            AddName(input, names, problems);
        }

        foreach (var node in graph.Nodes)
        {
            for (var i = 0; i < node.Inputs.Count; i++)
            {
                var input = node.Inputs[i];
                if (input is null)
                {
                    continue;
                }

                if (input.IsConstant)
                {
                    if (available.Add(input))
                    {
                        AddName(input, names, problems);
                    }

                    continue;
                }

                if (!available.Contains(input))
                {
                    problems.Add(input.Producer is { } p && producers.Contains(p)
                        ? $"node {node.Name} ({node.Op.Name}) reads {input.Name} before node {p.Name} computes it (cycle or bad order)"
                        : $"node {node.Name} ({node.Op.Name}) reads {input.Name}, which nothing computes (dangling)");
                }
            }

            if (node.Inputs.Count < node.Op.MinInputs || node.Inputs.Count > node.Op.MaxInputs)
            {
                problems.Add($"node {node.Name} ({node.Op.Name}) has {node.Inputs.Count} inputs");
            }

            CheckTypes(node, problems);
            foreach (var output in node.Outputs)
            {
                if (output.Producer != node)
                {
                    problems.Add($"value {output.Name} lists another producer than node {node.Name}");
                }

                if (!available.Add(output))
                {
                    problems.Add($"value {output.Name} is produced twice");
                }

                AddName(output, names, problems);
            }
        }

        foreach (var output in graph.Outputs)
        {
            if (!output.IsConstant && !available.Contains(output))
            {
                problems.Add($"graph output {output.Name} is not computed by the graph");
            }
        }

        return problems;
    }

    /// <summary>Throws an <see cref="IrException"/> listing every problem.</summary>
    public static void Validate(Graph graph)
    {
        var problems = Check(graph);
        if (problems.Count > 0)
        {
            throw new IrException($"invalid graph {graph.Name}:{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", problems));
        }
    }

    private static void AddName(Value value, Dictionary<string, Value> names, List<string> problems)
    {
        if (names.TryGetValue(value.Name, out var other) && other != value)
        {
            problems.Add($"two values are named {value.Name}");
        }

        names[value.Name] = value;
    }

    private static void CheckTypes(Node node, List<string> problems)
    {
        TensorType[] inferred;
        try
        {
            inferred = node.Op.InferTypes(new InferenceContext(node.Op, node.Inputs));
        }
        catch (IrException e)
        {
            problems.Add($"node {node.Name}: {e.Message}");
            return;
        }

        if (inferred.Length != node.Outputs.Count)
        {
            problems.Add($"node {node.Name} ({node.Op.Name}) has {node.Outputs.Count} outputs, its op makes {inferred.Length}");
            return;
        }

        for (var i = 0; i < inferred.Length; i++)
        {
            var declared = node.Outputs[i].Type;
            if (declared.DType.Element != inferred[i].DType.Element || !Compatible(declared.Shape, inferred[i].Shape))
            {
                problems.Add($"node {node.Name} ({node.Op.Name}) output {node.Outputs[i].Name} is {declared}, inference says {inferred[i]}");
            }
        }
    }

    private static bool Compatible(Shape a, Shape b)
    {
        if (!a.HasRank || !b.HasRank)
        {
            return true;
        }

        if (a.Rank != b.Rank)
        {
            return false;
        }

        for (var i = 0; i < a.Rank; i++)
        {
            if (a[i] >= 0 && b[i] >= 0 && a[i] != b[i])
            {
                return false;
            }
        }

        return true;
    }
}
