using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using MgeConvert.Quantization;

namespace MgeConvert.Passes;

/// <summary>
/// Recognizes softmax and log-softmax spelled out along one axis a (MegEngine dumps write them this way):
/// d = x − ReduceMax(x, [a], keepdims); e = Exp(d); s = ReduceSum(e, [a], keepdims); then e / s becomes Softmax(a)(x)
/// and d − Log(s) becomes LogSoftmax(a)(x). Every intermediate must be read only inside the pattern, the Sub must
/// subtract the max of its own first operand, and all values must be float without quantization annotations. The
/// fused node computes the final value (its name stays).
/// </summary>
public sealed class FuseSoftmax : IPass
{
    public string Name => "FuseSoftmax";

    public string Description => "Turns x − max, exp, sum, divide (or minus log of the sum) along one axis into Softmax (LogSoftmax).";

    public void Run(Graph graph, PassContext context)
    {
        var consumers = graph.Consumers();
        var removed = new HashSet<Node>();
        var fused = 0;
        foreach (var node in graph.Nodes)
        {
            if (removed.Contains(node) || Match(graph, node, consumers) is not { } match)
            {
                continue;
            }

            node.Op = match.Log ? new LogSoftmax(match.Axis) : new Softmax(match.Axis);
            node.Inputs.Clear();
            node.Inputs.Add(match.X);
            removed.UnionWith(match.Replaced);
            fused++;
        }

        graph.Nodes.RemoveAll(removed.Contains);
        if (fused > 0)
        {
            context.Note($"fused {fused} spelled-out softmax pattern(s)");
        }
    }

    private sealed record Found(Value X, long Axis, bool Log, Node[] Replaced);

    /// <summary>The pattern ending at <paramref name="last"/> (the Div, or the Sub of log-softmax); null when it does not match.</summary>
    private static Found? Match(Graph graph, Node last, Dictionary<Value, List<Node>> consumers)
    {
        if (!IsBinary(last, BinaryFunction.Div) && !IsBinary(last, BinaryFunction.Sub))
        {
            return null;
        }

        var log = IsBinary(last, BinaryFunction.Sub);
        Node? logNode = null;
        Node? sum;
        Node? exp;
        Node? shift;
        if (log)
        {
            shift = last.Input(0).Producer;
            logNode = last.Input(1).Producer;
            if (logNode is not { Op: Unary { Function: UnaryFunction.Log } } || !ReadOnlyBy(graph, logNode.Output, consumers, last))
            {
                return null;
            }

            sum = logNode.Input(0).Producer;
            exp = sum?.Input(0).Producer;
            if (exp is null || shift is null || exp.Input(0) != shift.Output || !ReadOnlyBy(graph, exp.Output, consumers, sum!)
                || !ReadOnlyBy(graph, shift.Output, consumers, exp, last) || !ReadOnlyBy(graph, sum!.Output, consumers, logNode))
            {
                return null;
            }
        }
        else
        {
            exp = last.Input(0).Producer;
            sum = last.Input(1).Producer;
            shift = exp?.Input(0).Producer;
            if (exp is null || sum is null || shift is null || sum.Input(0) != exp.Output
                || !ReadOnlyBy(graph, exp.Output, consumers, sum, last) || !ReadOnlyBy(graph, sum.Output, consumers, last)
                || !ReadOnlyBy(graph, shift.Output, consumers, exp))
            {
                return null;
            }
        }

        if (exp.Op is not Unary { Function: UnaryFunction.Exp } || !IsBinary(shift, BinaryFunction.Sub)
            || shift.Input(1).Producer is not { } max || !ReadOnlyBy(graph, max.Output, consumers, shift))
        {
            return null;
        }

        var x = shift.Input(0);
        if (max.Input(0) != x || x.Shape is not { HasRank: true, Rank: > 0 } shape || SingleAxis(max, ReduceKind.Max, shape.Rank) is not { } axis
            || SingleAxis(sum, ReduceKind.Sum, shape.Rank) != axis)
        {
            return null;
        }

        Node[] replaced = log ? [max, shift, exp, sum, logNode!] : [max, shift, exp, sum];
        var values = replaced.Select(n => n.Output).Append(x).Append(last.Output);
        if (values.Any(v => !v.DType.IsFloat || QuantAnnotations.Get(v) is not null) || !last.Output.Type.Equals(x.Type))
        {
            return null;
        }

        return new Found(x, axis, log, replaced);
    }

    private static bool IsBinary(Node node, BinaryFunction function) =>
        node.Op is Binary { Activation: FusedActivation.None } binary && binary.Function == function && node.Inputs.Count == 2
        && node.Inputs.All(i => i is { IsConstant: false });

    /// <summary>The reduced axis (non-negative) of a keepdims reduction of one axis; null for anything else.</summary>
    private static long? SingleAxis(Node node, ReduceKind kind, int rank) =>
        node.Op is Reduce { KeepDims: true, Axes: [var axis] } reduce && reduce.Kind == kind && node.Inputs.Count == 1
            ? ShapeMath.Axis(axis, rank)
            : null;

    /// <summary>True when the value is no graph output and exactly the given nodes read it (each once).</summary>
    private static bool ReadOnlyBy(Graph graph, Value value, Dictionary<Value, List<Node>> consumers, params Node[] readers) =>
        !GraphEdits.IsGraphOutput(graph, value) && consumers.TryGetValue(value, out var list)
        && list.Count == readers.Length && readers.All(list.Contains);
}
