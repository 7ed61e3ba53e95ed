using MgeConvert.Ir;

namespace MgeConvert.Reference;

/// <summary>
/// Runs a graph on concrete inputs with the reference kernels (<see cref="KernelTable"/>): the oracle for passes
/// and converters. Float math follows float32 results; quantized values are computed as dequantized reals and
/// re-quantized with each output's parameters.
/// </summary>
public static class ReferenceInterpreter
{
    /// <summary>The graph outputs by name.</summary>
    public static Dictionary<string, Tensor> Run(Graph graph, IReadOnlyDictionary<string, Tensor> inputs) =>
        Run(graph, inputs, KernelTable.Default);

    public static Dictionary<string, Tensor> Run(Graph graph, IReadOnlyDictionary<string, Tensor> inputs, KernelTable kernels) =>
        Execute(graph, inputs, kernels, keepIntermediates: false);

    /// <summary>Every computed value (graph inputs, node outputs, graph outputs) by name, for locating where two runs diverge.</summary>
    public static Dictionary<string, Tensor> RunWithIntermediates(Graph graph, IReadOnlyDictionary<string, Tensor> inputs) =>
        Execute(graph, inputs, KernelTable.Default, keepIntermediates: true);

    private static Dictionary<string, Tensor> Execute(Graph graph, IReadOnlyDictionary<string, Tensor> inputs, KernelTable kernels, bool keepIntermediates)
    {
        var unsupported = graph.Nodes.Where(n => !kernels.Supports(n.Op)).Select(n => $"{n.Op.Name} (node {n.Name})").ToList();
        if (unsupported.Count > 0)
        {
            throw new NotSupportedException($"the reference interpreter has no kernel for: {string.Join(", ", unsupported)}");
        }

        var values = new Dictionary<Value, Tensor>();
        foreach (var input in graph.Inputs)
        {
            values[input] = BindInput(input, inputs);
        }

        var remainingReads = CountReads(graph);
        foreach (var node in graph.Nodes)
        {
            var tensors = node.Inputs.Select(v => v is null ? null : Lookup(v, values, node)).ToList();
            var context = new KernelContext(node.Name, tensors, [.. node.Outputs.Select(o => o.DType)]);
            Tensor[] results;
            try
            {
                results = kernels.Run(node.Op, context);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or IndexOutOfRangeException or OverflowException)
            {
                throw new IrException($"node {node.Name} ({node.Op.Name}) failed on inputs {string.Join(", ", tensors.Select(t => t?.Type.ToString() ?? "-"))}: {e.Message}");
            }

            if (results.Length != node.Outputs.Count)
            {
                throw new IrException($"node {node.Name} ({node.Op.Name}) computed {results.Length} outputs, it declares {node.Outputs.Count}");
            }

            for (var i = 0; i < results.Length; i++)
            {
                values[node.Outputs[i]] = results[i];
            }

            if (!keepIntermediates)
            {
                Release(node, values, remainingReads);
            }
        }

        var outputs = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        if (keepIntermediates)
        {
            foreach (var (value, tensor) in values)
            {
                outputs[value.Name] = tensor;
            }
        }

        foreach (var output in graph.Outputs)
        {
            outputs[output.Name] = output.Constant ?? Lookup(output, values, null);
        }

        return outputs;
    }

    private static Tensor BindInput(Value input, IReadOnlyDictionary<string, Tensor> inputs)
    {
        if (!inputs.TryGetValue(input.Name, out var tensor))
        {
            throw new ArgumentException($"no data for graph input {input.Name} ({input.Type})");
        }

        var declared = input.Shape;
        var actual = tensor.Shape;
        var fits = !declared.HasRank || (declared.Rank == actual.Rank && declared.Zip(actual).All(p => p.First < 0 || p.First == p.Second));
        if (!fits)
        {
            throw new ArgumentException($"graph input {input.Name} is {input.Type}, the data given is {tensor.Type}");
        }

        return TensorValues.Convert(tensor, input.DType);
    }

    private static Tensor Lookup(Value value, Dictionary<Value, Tensor> values, Node? reader) =>
        value.Constant ?? (values.TryGetValue(value, out var t)
            ? t
            : throw new IrException($"{(reader is null ? "graph output" : $"node {reader.Name}")} reads {value.Name}, which has not been computed"));

    private static Dictionary<Value, int> CountReads(Graph graph)
    {
        var reads = new Dictionary<Value, int>();
        foreach (var v in graph.Nodes.SelectMany(n => n.Inputs).Concat(graph.Outputs))
        {
            if (v is { IsConstant: false })
            {
                reads[v] = reads.GetValueOrDefault(v) + 1;
            }
        }

        return reads;
    }

    /// <summary>Drops intermediate tensors once their last reader ran (graph outputs are counted as readers).</summary>
    private static void Release(Node node, Dictionary<Value, Tensor> values, Dictionary<Value, int> remainingReads)
    {
        foreach (var v in node.Inputs)
        {
            if (v is { IsConstant: false } && --remainingReads[v] == 0)
            {
                values.Remove(v);
            }
        }
    }
}
