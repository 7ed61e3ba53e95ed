using MgeConvert.Formats.Caffe.Proto;
using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Formats.Caffe;

/// <summary>
/// x ± mean(y) or x ± sum(y), with one sample (batch 1), y reduced to a single value and x of shape (1, K): one
/// InnerProduct with constant weights (1/M or 1) computes the reduction already repeated K times, where a Pooling of a
/// reshaped y and an expansion (ones, Scale) would take four layers or more.
/// </summary>
internal sealed partial class CaffeLowering
{
    /// <summary>Weights (K·M values) beyond this make the InnerProduct costlier than the layers it replaces.</summary>
    private const long MaxRepeatedReductionWeights = 1 << 20;

    private readonly HashSet<Node> _repeatedReductions = [];

    /// <summary>A Mean/Sum reduction whose single value only an Add/Sub with a (1, K) operand reads.</summary>
    private bool IsRepeatedReduction(Node node)
    {
        if (node.Op is not Reduce { Kind: ReduceKind.Mean or ReduceKind.Sum } || !node.Input(0).Shape.IsStatic || !node.Output.Shape.IsStatic
            || node.Output.Shape.ElementCount != 1 || !HasSingleConsumer(node.Output, out var user)
            || user.Op is not Binary { Function: BinaryFunction.Add or BinaryFunction.Sub } || user.Input(0) == user.Input(1))
        {
            return false;
        }

        var other = user.Input(0) == node.Output ? user.Input(1) : user.Input(0);
        var x = StaticShape(node.Input(0));
        return !other.IsConstant && other.Shape.IsStatic && user.Output.Shape.Equals(other.Shape) && StaticShape(other) is [1, var k]
            && x.Length >= 2 && x[0] == 1 && k * x.Aggregate(1L, (p, d) => p * d) <= MaxRepeatedReductionWeights;
    }

    /// <summary>The (1, K) blob holding the reduction's value K times.</summary>
    private string RepeatedReduction(Node binary, Node reduction, long k)
    {
        var x = reduction.Input(0);
        var m = StaticShape(x).Aggregate(1L, (p, d) => p * d);
        var value = ((Reduce)reduction.Op).Kind == ReduceKind.Mean ? 1f / m : 1f;
        var top = TempBlob($"{reduction.Output.Name}/repeated");
        var layer = Extra(binary, "reduction", "InnerProduct", [Blob(x)], [top]);
        layer.InnerProductParam = new InnerProductParameter { NumOutput = (uint)k, BiasTerm = false };
        layer.Blobs.Add(Weights(target => target.Fill(value), k, m));
        return top;
    }
}
