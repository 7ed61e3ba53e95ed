using MgeConvert.Ir;

namespace MgeConvert.Passes;

/// <summary>
/// The nodes that replace one node: each new op gets a unique name derived from the replaced node's and its
/// inferred output type; the last one computes the replaced node's output value (same object, same name).
/// </summary>
internal sealed class NodeSequence(Graph graph, Node replaced)
{
    public List<Node> Nodes { get; } = [];

    public Value Apply(string suffix, Op op, params Value?[] inputs)
    {
        var name = graph.UniqueName($"{replaced.Name}_{suffix}");
        var output = new Value(name, Infer(op, inputs));
        Nodes.Add(new Node(name, op, inputs, [output]));
        return output;
    }

    public Value Constant(string suffix, Tensor data) => GraphEdits.NewConstant(graph, $"{replaced.Name}_{suffix}", data);

    /// <summary>Adds the final node, which writes the replaced node's (single) output.</summary>
    public void Finish(Op op, params Value?[] inputs)
    {
        var output = replaced.Output;
        var type = Infer(op, inputs);
        if (type != output.Type)
        {
            throw new IrException($"rewriting {replaced}: the replacement computes {type}, the node {output.Type}");
        }

        Nodes.Add(new Node(graph.UniqueName(replaced.Name), op, inputs, [output]));
    }

    /// <summary>Puts the sequence where the replaced node was; returns the index after it.</summary>
    public int Splice(int index)
    {
        graph.Nodes.RemoveAt(index);
        graph.Nodes.InsertRange(index, Nodes);
        return index + Nodes.Count;
    }

    private static TensorType Infer(Op op, Value?[] inputs) => op.InferTypes(new InferenceContext(op, inputs)) switch
    {
        [var single] => single,
        var types => throw new IrException($"{op.Name}: expected one output, got {types.Length}"),
    };
}
