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

    public void Run(Graph graph, PassContext context)
    {
        var consumers = graph.Consumers();
        var removed = new HashSet<Node>();
        foreach (var bn in graph.Nodes)
        {
            if (bn.Op is not BatchNorm || bn.Input(0).Producer is not { } producer || removed.Contains(producer)
                || !GraphEdits.OnlyReadBy(graph, bn.Input(0), bn, consumers) || !producer.Output.DType.IsFloat
                || BatchNormAffine.Of(bn) is not { } affine)
            {
                continue;
            }

            var fused = producer.Op switch
            {
                Conv conv when conv.Activation == FusedActivation.None => FuseConv(graph, producer, affine, transposed: false, 1),
                ConvTranspose convT when convT.Activation == FusedActivation.None => FuseConv(graph, producer, affine, transposed: true, convT.Group),
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

    /// <summary>Conv weight (O, C/G, k...) scales along axis 0; ConvTranspose weight (C, O/G, k...) along axis 1 per group.</summary>
    private static bool FuseConv(Graph graph, Node node, BatchNormAffine affine, bool transposed, long group)
    {
        if (node.Input(1) is not { IsConstant: true, DType.IsFloat: true } weight || node.InputOrNull(2) is { IsConstant: false } or { DType.IsFloat: false })
        {
            return false;
        }

        var dims = weight.Shape.ToArray();
        var outChannels = transposed ? dims[1] * group : dims[0];
        if (outChannels != affine.Scale.Length)
        {
            return false;
        }

        var count = weight.Constant!.ElementCount;
        var perRow = count / dims[0];
        var perColumn = transposed ? perRow / dims[1] : perRow;
        long Channel(long i) => transposed ? (i / perRow / (dims[0] / group) * dims[1]) + (i / perColumn % dims[1]) : i / perRow;
        if (weight.DType is { Element: ElementType.Float32, Quant: null })
        {
            // Straight into the new tensor's bytes, with the same double product and one rounding as below.
            var source = weight.Constant.Span<float>();
            var bytes = new byte[source.Length * sizeof(float)];
            var target = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes.AsSpan());
            for (var i = 0; i < source.Length; i++)
            {
                target[i] = (float)(source[i] * affine.Scale[Channel(i)]);
            }

            SetWeightAndBias(graph, node, 1, 2, new Tensor(weight.DType, weight.Shape, bytes), affine);
            return true;
        }

        var w = GraphEdits.Reals(weight);
        for (var i = 0; i < w.Length; i++)
        {
            w[i] *= affine.Scale[Channel(i)];
        }

        SetWeightAndBias(graph, node, 1, 2, TensorValues.FromReals(weight.DType, dims, w), affine);
        return true;
    }

    private static bool FuseGemm(Graph graph, Node node, Gemm gemm, BatchNormAffine affine)
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
        SetInput(node, 2, GraphEdits.NewConstant(graph, (c is null ? node.Name + "_bias" : node.Input(2).Name) + "_bn",
            TensorValues.FromReals(weight.DType.Storage, [n], bias)));
        return true;
    }

    /// <summary>(M, K)·(K, N) with a constant weight becomes Gemm with the scaled weight and a new bias.</summary>
    private static bool FuseMatMul(Graph graph, Node node, BatchNormAffine affine)
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
        SetInput(node, 2, GraphEdits.NewConstant(graph, node.Name + "_bias_bn", TensorValues.FromReals(weight.DType, [affine.Shift.Length], affine.Shift)));
        return true;
    }

    private static double[] ScaleWeight(double[] w, long columns, bool transposed, BatchNormAffine affine)
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

    private static void SetWeightAndBias(Graph graph, Node node, int weightIndex, int biasIndex, Tensor fusedWeight, BatchNormAffine affine)
    {
        var weight = node.Input(weightIndex);
        var oldBias = node.InputOrNull(biasIndex);
        var bias = oldBias is null ? new double[affine.Scale.Length] : GraphEdits.Reals(oldBias);
        for (var c = 0; c < bias.Length; c++)
        {
            bias[c] = (bias[c] * affine.Scale[c]) + affine.Shift[c];
        }

        node.Inputs[weightIndex] = GraphEdits.NewConstant(graph, weight.Name + "_bn", fusedWeight);
        SetInput(node, biasIndex, GraphEdits.NewConstant(graph, (oldBias?.Name ?? node.Name + "_bias") + "_bn",
            TensorValues.FromReals(weight.DType.Storage, [bias.Length], bias)));
    }

    private static void SetInput(Node node, int index, Value value)
    {
        while (node.Inputs.Count <= index)
        {
            node.Inputs.Add(null);
        }

        node.Inputs[index] = value;
    }
}
