using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using MgeConvert.Quantization;

namespace MgeConvert.Passes;

/// <summary>
/// Min(Max(x, lo), hi) and Max(Min(x, hi), lo) with scalar float constants lo ≤ hi become Clip(lo, hi)(x), when the
/// inner result is read only by the outer node (MegEngine dumps spell relu6 and hard-sigmoid clamps this way).
/// </summary>
public sealed class FuseMinMaxIntoClip : IPass
{
    public string Name => "FuseMinMaxIntoClip";

    public string Description => "Turns a Min of a Max (or a Max of a Min) with scalar constants into one Clip.";

    public void Run(Graph graph, PassContext context)
    {
        var consumers = graph.Consumers();
        var removed = new HashSet<Node>();
        foreach (var outer in graph.Nodes)
        {
            if (removed.Contains(outer) || Bound(outer) is not { } outerBound || outerBound.Operand.Producer is not { } inner
                || removed.Contains(inner) || Bound(inner) is not { } innerBound || innerBound.IsMax == outerBound.IsMax
                || !GraphEdits.OnlyReadBy(graph, outerBound.Operand, outer, consumers) || QuantAnnotations.Get(outerBound.Operand) is not null)
            {
                continue;
            }

            var x = innerBound.Operand;
            var (lo, hi) = outerBound.IsMax ? (outerBound.Limit, innerBound.Limit) : (innerBound.Limit, outerBound.Limit);
            if (lo > hi || !x.Shape.Equals(outer.Output.Shape) || x.DType != outer.Output.DType)
            {
                continue;
            }

            outer.Op = new Clip(lo, hi);
            outer.Inputs.Clear();
            outer.Inputs.Add(x);
            removed.Add(inner);
        }

        graph.Nodes.RemoveAll(removed.Contains);
        if (removed.Count > 0)
        {
            context.Note($"fused {removed.Count} Min/Max pair(s) into Clip");
        }
    }

    private sealed record BoundOp(Value Operand, float Limit, bool IsMax);

    /// <summary>A float Max or Min of a value and a scalar float constant.</summary>
    private static BoundOp? Bound(Node node)
    {
        if (node.Op is not Binary { Function: BinaryFunction.Max or BinaryFunction.Min, Activation: FusedActivation.None } binary
            || node.Inputs.Count != 2 || !node.Output.DType.IsFloat)
        {
            return null;
        }

        var (operand, limit) = node.Input(1).IsConstant ? (node.Input(0), node.Input(1)) : (node.Input(1), node.Input(0));
        if (operand.IsConstant || limit.Constant is not { ElementCount: 1 } data || !limit.DType.IsFloat)
        {
            return null;
        }

        return new BoundOp(operand, (float)Reference.TensorValues.Reals(data)[0], binary.Function == BinaryFunction.Max);
    }
}
