using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using MgeConvert.Reference;

namespace MgeConvert.Passes;

/// <summary>
/// Rewrites each BatchNorm with constant float parameters as Mul by scale = gamma/√(var+ε) then Add of
/// shift = beta − mean·scale, both constants shaped (C, 1, ...) to broadcast over axis 1 (for targets without
/// a batch-norm op). The Add computes the BatchNorm's output value, keeping its name.
/// </summary>
public sealed class ExpandBatchNorm : IPass
{
    public string Name => "ExpandBatchNorm";

    public string Description => "Replaces BatchNorm by Mul and Add with per-channel constants.";

    /// <summary>Keeps the batch norms a writer folds into their convolution (<see cref="FuseBatchNormIntoConv.WriterFoldsIntoConv"/>).</summary>
    public bool KeepThoseTheWriterFolds { get; init; }

    public void Run(Graph graph, PassContext context)
    {
        var consumers = graph.Consumers();
        var rewritten = new List<Node>();
        for (var i = 0; i < graph.Nodes.Count; i++)
        {
            var bn = graph.Nodes[i];
            var x = bn.InputOrNull(0);
            if (bn.Op is not BatchNorm || x is null || !x.Shape.HasRank || x.Shape.Rank < 2 || !x.DType.IsFloat
                || ChannelAffine.OfBatchNorm(bn) is not { } affine || (KeepThoseTheWriterFolds && FuseBatchNormIntoConv.WriterFoldsIntoConv(graph, bn, consumers)))
            {
                continue;
            }

            var dims = new long[x.Shape.Rank - 1];
            Array.Fill(dims, 1);
            dims[0] = affine.Scale.Length;
            var scale = GraphEdits.NewConstant(graph, bn.Name + "_scale", TensorValues.FromReals(x.DType, dims, affine.Scale));
            var shift = GraphEdits.NewConstant(graph, bn.Name + "_shift", TensorValues.FromReals(x.DType, dims, affine.Shift));
            var scaled = new Value(graph.UniqueName(bn.Name + "_scaled"), x.Type);
            var mul = new Node(graph.UniqueName(bn.Name + "_mul"), new Binary(BinaryFunction.Mul), [x, scale], [scaled]);
            var add = new Node(graph.UniqueName(bn.Name + "_add"), new Binary(BinaryFunction.Add), [scaled, shift], [bn.Output]);
            graph.Nodes[i] = add;
            graph.Nodes.Insert(i, mul);
            i++;
            rewritten.Add(bn);
        }

        if (rewritten.Count > 0)
        {
            context.Note($"expanded {rewritten.Count} batch norm(s) into Mul + Add");
        }
    }
}
