using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Formats.TracedModule;

/// <summary>
/// MegEngine has no erf function, but GELU spelled out with it — x · 0.5 · (1 + erf(x / √2)), as ONNX writers
/// emit it below opset 20 — is megengine.functional.nn.gelu. Finds those Erf nodes: the Erf, the Add and the
/// final Mul are written as one gelu call.
/// </summary>
internal static class TmGeluPattern
{
    /// <summary>Per matched Erf node: the GELU input and the value the final Mul produces; and every absorbed node.</summary>
    public static (Dictionary<Node, (Value X, Value Result)> Erfs, HashSet<Node> Absorbed) Find(Graph graph)
    {
        var erfs = new Dictionary<Node, (Value, Value)>();
        var absorbed = new HashSet<Node>();
        var consumers = graph.Consumers();
        var outputs = graph.Outputs.ToHashSet();
        Node? Only(Value v) => !outputs.Contains(v) && consumers.TryGetValue(v, out var users) && users.Count == 1 ? users[0] : null;

        foreach (var erf in graph.Nodes.Where(n => n.Op is Unary { Function: UnaryFunction.Erf }))
        {
            if (erf.Input(0).Producer is not { } scale || ScaledInput(scale) is not { } x
                || Only(erf.Output) is not { Op: Binary { Function: BinaryFunction.Add, Activation: FusedActivation.None } } add
                || !IsScalar(Other(add, erf.Output), 1)
                || Only(add.Output) is not { Op: Binary { Function: BinaryFunction.Mul, Activation: FusedActivation.None } } mul)
            {
                continue;
            }

            var half = Other(mul, add.Output);
            if (half?.Producer is not { Op: Binary { Function: BinaryFunction.Mul, Activation: FusedActivation.None } } halving
                || !(halving.Inputs.Contains(x) && IsScalar(Other(halving, x), 0.5)))
            {
                continue;
            }

            erfs[erf] = (x, mul.Output);
            absorbed.UnionWith([add, mul]);
        }

        return (erfs, absorbed);
    }

    /// <summary>x for x / √2 or x · (1/√2).</summary>
    private static Value? ScaledInput(Node node) => node.Op switch
    {
        Binary { Function: BinaryFunction.Div, Activation: FusedActivation.None } when IsScalar(node.InputOrNull(1), Math.Sqrt(2)) => node.Input(0),
        Binary { Function: BinaryFunction.Mul, Activation: FusedActivation.None } when IsScalar(node.InputOrNull(1), Math.Sqrt(0.5)) => node.Input(0),
        Binary { Function: BinaryFunction.Mul, Activation: FusedActivation.None } when IsScalar(node.InputOrNull(0), Math.Sqrt(0.5)) => node.Input(1),
        _ => null,
    };

    private static Value? Other(Node node, Value one) =>
        node.Inputs.Count == 2 ? (ReferenceEquals(node.Inputs[0], one) ? node.Inputs[1] : ReferenceEquals(node.Inputs[1], one) ? node.Inputs[0] : null) : null;

    private static bool IsScalar(Value? v, double expected) =>
        v?.Constant is { ElementCount: 1 } c && c.DType.Element.IsFloat() && Math.Abs(c.ToDoubles()[0] - expected) <= 1e-6 * Math.Abs(expected);
}
