using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using MgeConvert.Quantization;

namespace MgeConvert.Passes;

/// <summary>
/// max(x, 0) + a·min(x, 0) with a scalar float constant a becomes LeakyRelu(a)(x) (MegEngine dumps spell leaky relu
/// this way; Relu(x) counts as max(x, 0)). Exact: one of the two terms is always zero. The Min, Max and Mul results
/// must be read only inside the pattern, and no value may carry quantization annotations. The fused node computes the
/// Add's result value (its name stays).
/// </summary>
public sealed class FuseLeakyRelu : IPass
{
    public string Name => "FuseLeakyRelu";

    public string Description => "Turns max(x, 0) + a·min(x, 0) into LeakyRelu(a)(x).";

    public void Run(Graph graph, PassContext context)
    {
        var consumers = graph.Consumers();
        var removed = new HashSet<Node>();
        foreach (var node in graph.Nodes)
        {
            if (removed.Contains(node) || node.Op is not Binary { Function: BinaryFunction.Add, Activation: FusedActivation.None }
                || node.Inputs.Count != 2 || QuantAnnotations.Get(node.Output) is not null)
            {
                continue;
            }

            for (var side = 0; side < 2; side++)
            {
                if (Match(graph, node, node.Input(side), node.Input(1 - side), consumers) is not { } match || match.Nodes.Any(removed.Contains))
                {
                    continue;
                }

                node.Op = new LeakyRelu(match.Slope);
                node.Inputs.Clear();
                node.Inputs.Add(match.X);
                removed.UnionWith(match.Nodes);
                break;
            }
        }

        graph.Nodes.RemoveAll(removed.Contains);
        if (removed.Count > 0)
        {
            context.Note($"fused {removed.Count / 3} max/min pair(s) into LeakyRelu");
        }
    }

    private sealed record Found(Value X, float Slope, Node[] Nodes);

    private static Found? Match(Graph graph, Node add, Value positive, Value negative, Dictionary<Value, List<Node>> consumers)
    {
        if (positive.Producer is not { } max || negative.Producer is not { Op: Binary { Function: BinaryFunction.Mul, Activation: FusedActivation.None } } mul
            || mul.Inputs.Count != 2 || !GraphEdits.OnlyReadBy(graph, positive, add, consumers) || !GraphEdits.OnlyReadBy(graph, negative, add, consumers))
        {
            return null;
        }

        var x = max.Op is Unary { Function: UnaryFunction.Relu } ? max.Input(0) : WithZero(max, BinaryFunction.Max);
        for (var side = 0; side < 2 && x is not null; side++)
        {
            var scaled = mul.Input(side);
            if (scaled.Producer is not { } min || WithZero(min, BinaryFunction.Min) != x || Scalar(mul.Input(1 - side)) is not { } slope
                || !GraphEdits.OnlyReadBy(graph, scaled, mul, consumers))
            {
                continue;
            }

            Node[] nodes = [max, min, mul];
            var values = nodes.Select(n => n.Output).Append(x).Append(add.Output);
            if (values.Any(v => !v.DType.IsFloat || QuantAnnotations.Get(v) is not null || !v.Type.Equals(x.Type)))
            {
                return null;
            }

            return new Found(x, slope, nodes);
        }

        return null;
    }

    /// <summary>The non-constant operand of max(x, 0) or min(x, 0) with a zero scalar constant; null otherwise.</summary>
    private static Value? WithZero(Node node, BinaryFunction function)
    {
        if (node.Op is not Binary { Activation: FusedActivation.None } binary || binary.Function != function || node.Inputs.Count != 2)
        {
            return null;
        }

        var (x, zero) = node.Input(1).IsConstant ? (node.Input(0), node.Input(1)) : (node.Input(1), node.Input(0));
        return !x.IsConstant && Scalar(zero) == 0 ? x : null;
    }

    private static float? Scalar(Value value) =>
        value.Constant is { ElementCount: 1 } data && value.DType.IsFloat ? (float)Reference.TensorValues.Reals(data)[0] : null;
}
