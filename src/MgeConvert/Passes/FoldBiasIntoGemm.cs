using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using MgeConvert.Quantization;
using MgeConvert.Reference;

namespace MgeConvert.Passes;

/// <summary>
/// Folds an Add of a per-output-column float constant (shape (N), (1, N) or one element) that is the only reader of a
/// Gemm result into the Gemm's C: MegEngine dumps keep a linear layer's bias as a separate elementwise operator. Only
/// Gemms with an untransposed A, a constant float B and no or a constant per-column C are touched; C becomes
/// Beta·C + constant with Beta 1, and the Gemm computes the Add's result value (its name stays). Values with
/// quantization annotations are left alone.
/// </summary>
public sealed class FoldBiasIntoGemm : IPass
{
    public string Name => "FoldBiasIntoGemm";

    public string Description => "Folds a per-column constant Add after a Gemm into the Gemm's bias C.";

    public void Run(Graph graph, PassContext context)
    {
        var consumers = graph.Consumers();
        var removed = new HashSet<Node>();
        foreach (var node in graph.Nodes)
        {
            if (node.Op is not Binary { Function: BinaryFunction.Add, Activation: FusedActivation.None } || node.Inputs.Count != 2
                || QuantAnnotations.Get(node.Output) is not null)
            {
                continue;
            }

            for (var side = 0; side < 2; side++)
            {
                var result = node.Input(side);
                var constant = node.Input(1 - side);
                if (result.Producer is not { Op: Gemm { TransA: false, Activation: FusedActivation.None } gemm } producer
                    || removed.Contains(producer) || !constant.IsConstant || !constant.DType.IsFloat || !result.DType.IsFloat
                    || result.Shape is not { Rank: 2 } shape || shape[1] <= 0 || !shape.Equals(node.Output.Shape)
                    || !GraphEdits.OnlyReadBy(graph, result, node, consumers)
                    || producer.Input(1) is not { IsConstant: true, DType.IsFloat: true }
                    || producer.Inputs.Append(result).Any(v => v is not null && QuantAnnotations.Get(v) is not null)
                    || PerColumn(constant, shape[1]) is not { } added
                    || (producer.InputOrNull(2) is { } c ? PerColumn(c, shape[1]) : new double[shape[1]]) is not { } bias)
                {
                    continue;
                }

                for (var j = 0; j < bias.Length; j++)
                {
                    bias[j] = (gemm.Beta * bias[j]) + added[j];
                }

                var name = producer.InputOrNull(2)?.Name ?? producer.Name + "_bias";
                ConvAffineFolding.SetInput(producer, 2, GraphEdits.NewConstant(graph, name + "_add", TensorValues.FromReals(result.DType.Storage, [bias.Length], bias)));
                producer.Op = gemm with { Beta = 1 };
                producer.Outputs[0] = node.Output;
                node.Output.Producer = producer;
                removed.Add(node);
                break;
            }
        }

        graph.Nodes.RemoveAll(removed.Contains);
        if (removed.Count > 0)
        {
            context.Note($"folded {removed.Count} per-column Add node(s) into Gemm biases");
        }
    }

    /// <summary>One value per column of an (M, <paramref name="columns"/>) result; null when the constant varies along rows.</summary>
    private static double[]? PerColumn(Value constant, long columns)
    {
        if (!constant.IsConstant || !constant.DType.IsFloat)
        {
            return null;
        }

        var values = GraphEdits.Reals(constant);
        if (values.Length == 1)
        {
            return [.. Enumerable.Repeat(values[0], (int)columns)];
        }

        var shape = constant.Shape;
        var fits = values.Length == columns && shape.HasRank && shape.Rank is 1 or 2 && shape[-1] == columns;
        return fits ? values : null;
    }
}
