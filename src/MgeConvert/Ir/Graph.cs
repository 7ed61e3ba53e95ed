namespace MgeConvert.Ir;

/// <summary>
/// A dataflow graph. <see cref="Nodes"/> are kept in topological order; constants are values with data,
/// referenced directly by the nodes that use them.
/// </summary>
public sealed class Graph
{
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    // Next suffix to try per wanted name: names are never released, so earlier suffixes stay taken (linear, not quadratic).
    private readonly Dictionary<string, int> _nextSuffix = new(StringComparer.Ordinal);

    public Graph(string name = "graph")
    {
        Name = name;
    }

    public string Name { get; set; }

    public List<Value> Inputs { get; } = [];

    public List<Value> Outputs { get; } = [];

    public List<Node> Nodes { get; } = [];

    /// <summary>Free-form metadata carried to formats that have a place for it (producer, provenance).</summary>
    public Dictionary<string, string> Metadata { get; } = new(StringComparer.Ordinal);

    /// <summary>Returns <paramref name="wanted"/> if unused in this graph, else the first free "wanted_N".</summary>
    public string UniqueName(string wanted)
    {
        if (string.IsNullOrEmpty(wanted))
        {
            wanted = "v";
        }

        if (_names.Add(wanted))
        {
            return wanted;
        }

        for (var i = _nextSuffix.GetValueOrDefault(wanted, 1); ; i++)
        {
            var candidate = $"{wanted}_{i}";
            if (_names.Add(candidate))
            {
                _nextSuffix[wanted] = i + 1;
                return candidate;
            }
        }
    }

    /// <summary>Marks a name as used (values and nodes created outside <see cref="UniqueName"/>).</summary>
    public void ReserveName(string name) => _names.Add(name);

    /// <summary>Every distinct constant value used by a node or a graph output, in first-use order.</summary>
    public List<Value> Constants()
    {
        var seen = new HashSet<Value>();
        var result = new List<Value>();
        foreach (var node in Nodes)
        {
            foreach (var input in node.Inputs)
            {
                if (input is { IsConstant: true } && seen.Add(input))
                {
                    result.Add(input);
                }
            }
        }

        foreach (var output in Outputs)
        {
            if (output.IsConstant && seen.Add(output))
            {
                result.Add(output);
            }
        }

        return result;
    }

    /// <summary>For each value, the nodes that read it (a node reading a value twice appears once).</summary>
    public Dictionary<Value, List<Node>> Consumers()
    {
        var map = new Dictionary<Value, List<Node>>();
        foreach (var node in Nodes)
        {
            foreach (var input in node.Inputs.Distinct())
            {
                if (input is null)
                {
                    continue;
                }

                if (!map.TryGetValue(input, out var list))
                {
                    map[input] = list = [];
                }

                list.Add(node);
            }
        }

        return map;
    }

    /// <summary>Makes every reader of <paramref name="old"/> (nodes and graph outputs) read <paramref name="replacement"/>.</summary>
    public void ReplaceUses(Value old, Value replacement)
    {
        foreach (var node in Nodes)
        {
            for (var i = 0; i < node.Inputs.Count; i++)
            {
                if (ReferenceEquals(node.Inputs[i], old))
                {
                    node.Inputs[i] = replacement;
                }
            }
        }

        for (var i = 0; i < Outputs.Count; i++)
        {
            if (ReferenceEquals(Outputs[i], old))
            {
                Outputs[i] = replacement;
            }
        }
    }

    /// <summary>Reorders <see cref="Nodes"/> topologically (stable); throws on a cycle.</summary>
    public void SortTopologically()
    {
        var order = new List<Node>(Nodes.Count);
        var state = new Dictionary<Node, int>();
        var members = new HashSet<Node>(Nodes);
        foreach (var node in Nodes)
        {
            Visit(node, members, state, order);
        }

        Nodes.Clear();
        Nodes.AddRange(order);
    }

    public override string ToString() => GraphPrinter.Print(this);

    private static void Visit(Node root, HashSet<Node> members, Dictionary<Node, int> state, List<Node> order)
    {
        // Iterative DFS: deep graphs must not overflow the stack.
        var stack = new Stack<(Node Node, int Next)>();
        if (state.GetValueOrDefault(root) == 2)
        {
            return;
        }

        stack.Push((root, 0));
        state[root] = 1;
        while (stack.Count > 0)
        {
            var (node, next) = stack.Pop();
            if (next < node.Inputs.Count)
            {
                stack.Push((node, next + 1));
                var producer = node.Inputs[next]?.Producer;
                if (producer is null || !members.Contains(producer))
                {
                    continue;
                }

                switch (state.GetValueOrDefault(producer))
                {
                    case 0:
                        state[producer] = 1;
                        stack.Push((producer, 0));
                        break;
                    case 1:
                        throw new IrException($"graph has a cycle through node {producer.Name}");
                }

                continue;
            }

            state[node] = 2;
            order.Add(node);
        }
    }
}
