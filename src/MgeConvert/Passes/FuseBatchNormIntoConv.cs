using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using MgeConvert.Reference;

namespace MgeConvert.Passes;

/// <summary>
/// Folds a BatchNorm into the Conv, ConvTranspose, Gemm, or MatMul (2-D input, constant 2-D weight) that
/// computes its input, when that result is read only by the BatchNorm, the producer has no fused activation,
/// and weight, bias and BatchNorm parameters are float constants: the weight is scaled per output channel and
/// the bias becomes (bias − mean)·scale + beta (created when absent; MatMul becomes Gemm). New weight and bias
/// constants are created, so weights shared with other nodes stay intact. The producer's output takes over
/// the BatchNorm output's name.
/// </summary>
public sealed class FuseBatchNormIntoConv : IPass
{
    public string Name => "FuseBatchNormIntoConv";

    public string Description => "Folds BatchNorm scale and shift into the weight and bias of the preceding Conv/ConvTranspose/Gemm/MatMul.";

    /// <summary>
    /// Leaves the batch norms <see cref="WriterFoldsIntoConv"/> accepts to the writer, which folds them while it
    /// serializes the weight (no second copy of the weights in memory).
    /// </summary>
    public bool LeaveConv2dToWriter { get; init; }

    /// <summary>
    /// Scales a convolution's float32 weight where it lies when the convolution is its only reader and no other
    /// constant shares its bytes (see <see cref="ExclusiveConstants"/>): the graph's weights are not copied.
    /// </summary>
    public bool ScaleInPlace { get; init; }

    /// <summary>
    /// A BatchNorm with float constant parameters whose input only it reads, computed by a 2-D Conv without fused
    /// activation with a float32 constant weight and a float constant bias or none.
    /// </summary>
    public static bool WriterFoldsIntoConv(Graph graph, Node bn, Dictionary<Value, List<Node>> consumers) =>
        bn.Op is BatchNorm && bn.Input(0).Producer is { Op: Conv { Activation: FusedActivation.None, SpatialRank: 2 } } conv
        && conv.Input(1) is { IsConstant: true, DType: { Element: ElementType.Float32, Quant: null } }
        && conv.InputOrNull(2) is null or { IsConstant: true, DType.IsFloat: true } && conv.Output.DType.IsFloat
        && GraphEdits.OnlyReadBy(graph, bn.Input(0), bn, consumers) && ChannelAffine.OfBatchNorm(bn) is not null;

    public void Run(Graph graph, PassContext context)
    {
        var consumers = graph.Consumers();
        var exclusive = ScaleInPlace ? new ExclusiveConstants(graph, consumers) : null;
        var removed = new HashSet<Node>();
        foreach (var bn in graph.Nodes)
        {
            if (bn.Op is not BatchNorm || bn.Input(0).Producer is not { } producer || removed.Contains(producer)
                || (LeaveConv2dToWriter && WriterFoldsIntoConv(graph, bn, consumers))
                || !GraphEdits.OnlyReadBy(graph, bn.Input(0), bn, consumers) || !producer.Output.DType.IsFloat
                || ChannelAffine.OfBatchNorm(bn) is not { } affine)
            {
                continue;
            }

            var fused = producer.Op switch
            {
                Conv { Activation: FusedActivation.None } or ConvTranspose { Activation: FusedActivation.None } => ConvAffineFolding.TryFold(graph, producer, affine, "_bn", exclusive),
                Gemm gemm when gemm.Activation == FusedActivation.None => FuseGemm(graph, producer, gemm, affine),
                MatMul => FuseMatMul(graph, producer, affine),
                _ => false,
            };
            if (!fused)
            {
                continue;
            }

            GraphEdits.Replace(graph, bn.Output, producer.Output, takeName: true);
            removed.Add(bn);
            context.Note($"fused {bn.Name} into {producer.Name}");
        }

        graph.Nodes.RemoveAll(removed.Contains);
    }

    private static bool FuseGemm(Graph graph, Node node, Gemm gemm, ChannelAffine affine)
    {
        if (node.Input(1) is not { IsConstant: true, DType.IsFloat: true } weight || node.InputOrNull(2) is { IsConstant: false } or { DType.IsFloat: false })
        {
            return false;
        }

        var n = gemm.TransB ? weight.Shape[0] : weight.Shape[1];
        var c = node.InputOrNull(2)?.Constant;
        if (n != affine.Scale.Length || c is not null && c.ElementCount != 1 && (c.ElementCount != n || c.Shape[^1] != n))
        {
            return false;
        }

        var w = ScaleWeight(GraphEdits.Reals(weight), weight.Shape[1], gemm.TransB, affine);
        var bias = c is null ? new double[n] : BroadcastRow(c, n);
        for (var j = 0; j < n; j++)
        {
            bias[j] = (gemm.Beta * bias[j] * affine.Scale[j]) + affine.Shift[j];
        }

        node.Op = gemm with { Beta = 1f };
        node.Inputs[1] = GraphEdits.NewConstant(graph, weight.Name + "_bn", TensorValues.FromReals(weight.DType, weight.Shape.ToArray(), w));
        ConvAffineFolding.SetInput(node, 2, GraphEdits.NewConstant(graph, (c is null ? node.Name + "_bias" : node.Input(2).Name) + "_bn",
            TensorValues.FromReals(weight.DType.Storage, [n], bias)));
        return true;
    }

    /// <summary>(M, K)·(K, N) with a constant weight becomes Gemm with the scaled weight and a new bias.</summary>
    private static bool FuseMatMul(Graph graph, Node node, ChannelAffine affine)
    {
        var a = node.Input(0);
        if (node.Input(1) is not { IsConstant: true, DType.IsFloat: true } weight || weight.Shape.Rank != 2 || !a.Shape.HasRank
            || a.Shape.Rank != 2 || weight.Shape[1] != affine.Scale.Length)
        {
            return false;
        }

        var w = ScaleWeight(GraphEdits.Reals(weight), weight.Shape[1], false, affine);
        node.Op = new Gemm();
        node.Inputs[1] = GraphEdits.NewConstant(graph, weight.Name + "_bn", TensorValues.FromReals(weight.DType, weight.Shape.ToArray(), w));
        ConvAffineFolding.SetInput(node, 2, GraphEdits.NewConstant(graph, node.Name + "_bias_bn", TensorValues.FromReals(weight.DType, [affine.Shift.Length], affine.Shift)));
        return true;
    }

    private static double[] ScaleWeight(double[] w, long columns, bool transposed, ChannelAffine affine)
    {
        for (var i = 0; i < w.Length; i++)
        {
            w[i] *= affine.Scale[transposed ? i / columns : i % columns];
        }

        return w;
    }

    private static double[] BroadcastRow(Tensor c, long n)
    {
        var values = TensorValues.Reals(c);
        return values.Length == n ? values : Enumerable.Repeat(values[0], (int)n).ToArray();
    }
}
