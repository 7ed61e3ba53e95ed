using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using MgeConvert.Quantization;

namespace MgeConvert.Passes;

/// <summary>
/// Folds an Add of a per-output-channel float constant that is the only reader of a Conv/ConvTranspose result into
/// the convolution's bias: MegEngine dumps keep a convolution's bias as a separate elementwise operator. The fused
/// node then computes the Add's result value (its name and annotations stay). A constant added to a sum with a
/// convolution result goes into that convolution too (see <see cref="FoldThroughSum"/>). Values with quantization annotations
/// are left alone, since their fake quantization must see the unfolded numbers. A per-channel Mul is not folded:
/// scaling would make a second copy of every weight it touches.
/// </summary>
public sealed class FoldChannelBiasIntoConv : IPass
{
    public string Name => "FoldChannelBiasIntoConv";

    public string Description => "Folds a per-channel constant Add after a Conv/ConvTranspose into its bias.";

    public void Run(Graph graph, PassContext context)
    {
        var folded = 0;
        while (FoldOnce(graph) is var count and > 0)
        {
            folded += count;
        }

        if (folded > 0)
        {
            context.Note($"folded {folded} per-channel Add node(s) into convolutions");
        }
    }

    private static int FoldOnce(Graph graph)
    {
        var consumers = graph.Consumers();
        var removed = new HashSet<Node>();
        foreach (var node in graph.Nodes)
        {
            if (node.Op is not Binary { Function: BinaryFunction.Add, Activation: FusedActivation.None }
                || QuantAnnotations.Get(node.Output) is not null)
            {
                continue;
            }

            for (var side = 0; side < 2; side++)
            {
                var result = node.Input(side);
                var constant = node.Input(1 - side);
                if (result.Producer is not { Op: Conv { Activation: FusedActivation.None } or ConvTranspose { Activation: FusedActivation.None } } conv
                    || removed.Contains(conv) || !constant.IsConstant || !constant.DType.IsFloat || !result.DType.IsFloat
                    || !result.Shape.Equals(node.Output.Shape) || !GraphEdits.OnlyReadBy(graph, result, node, consumers)
                    || conv.Inputs.Skip(1).Append(result).Any(v => v is not null && QuantAnnotations.Get(v) is not null)
                    || PerChannel(constant.Constant!, result.Shape) is not { } values)
                {
                    continue;
                }

                if (!ConvAffineFolding.TryFold(graph, conv, ChannelAffine.Add(values), "_add"))
                {
                    continue;
                }

                conv.Outputs[0] = node.Output;
                node.Output.Producer = conv;
                removed.Add(node);
                break;
            }

            if (!removed.Contains(node) && FoldThroughSum(graph, node, consumers, removed) is { } sum)
            {
                removed.Add(sum);
            }
        }

        graph.Nodes.RemoveAll(removed.Contains);
        return removed.Count;
    }

    /// <summary>
    /// c + (a + conv) with a per-channel constant c, where the inner sum and the convolution result are read only
    /// here: c goes into the convolution's bias and the node becomes a + conv (MegEngine dumps add a residual before
    /// the bias). Returns the inner sum's node, which the caller removes; null when nothing changed.
    /// </summary>
    private static Node? FoldThroughSum(Graph graph, Node node, Dictionary<Value, List<Node>> consumers, HashSet<Node> removed)
    {
        for (var side = 0; side < 2; side++)
        {
            var constant = node.Input(1 - side);
            if (node.Input(side).Producer is not { Op: Binary { Function: BinaryFunction.Add, Activation: FusedActivation.None } } sum
                || removed.Contains(sum) || !constant.IsConstant || !constant.DType.IsFloat
                || !sum.Output.Shape.Equals(node.Output.Shape) || !GraphEdits.OnlyReadBy(graph, sum.Output, node, consumers)
                || QuantAnnotations.Get(sum.Output) is not null)
            {
                continue;
            }

            foreach (var term in sum.Inputs)
            {
                if (term?.Producer is not { Op: Conv { Activation: FusedActivation.None } or ConvTranspose { Activation: FusedActivation.None } } conv
                    || removed.Contains(conv) || !term.DType.IsFloat || !term.Shape.Equals(sum.Output.Shape)
                    || !GraphEdits.OnlyReadBy(graph, term, sum, consumers)
                    || conv.Inputs.Skip(1).Append(term).Any(v => v is not null && QuantAnnotations.Get(v) is not null)
                    || PerChannel(constant.Constant!, term.Shape) is not { } values
                    || !ConvAffineFolding.TryFold(graph, conv, ChannelAffine.Add(values), "_add"))
                {
                    continue;
                }

                node.Inputs.Clear();
                node.Inputs.AddRange(sum.Inputs);
                return sum;
            }
        }

        return null;
    }

    /// <summary>
    /// The constant's value per channel (axis 1) of a result of shape <paramref name="result"/>, when it broadcasts
    /// along every other axis without growing the result; null otherwise.
    /// </summary>
    private static double[]? PerChannel(Tensor constant, Shape result)
    {
        if (!result.HasRank || result.Rank < 2 || result[1] <= 0 || constant.Shape.Rank > result.Rank)
        {
            return null;
        }

        var channels = result[1];
        var values = Reference.TensorValues.Reals(constant);
        if (values.Length == 1)
        {
            return [.. Enumerable.Repeat(values[0], (int)channels)];
        }

        var channelAxis = 1 - (result.Rank - constant.Shape.Rank);
        for (var d = 0; d < constant.Shape.Rank; d++)
        {
            if (constant.Shape[d] != (d == channelAxis ? channels : 1))
            {
                return null;
            }
        }

        return values;
    }
}
