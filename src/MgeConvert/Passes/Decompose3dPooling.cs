using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Passes;

/// <summary>
/// Rewrites each 3-D Pool as two 2-D ones, for targets without 3-D pooling: (N, C, D, H, W) viewed as
/// (N, C·D, H, W) is pooled over (H, W), then viewed as (N, C, D, H'·W') pooled over a (kd, 1) window. Windows are
/// boxes, so the maximum factors per axis, and so does the average: both the sum and the divisor (full window
/// clipped to the padded input, or valid elements only) are products of per-axis terms. Padding, ceil mode and
/// count_include_pad carry over to each axis unchanged. Average pooling is rewritten for float data only.
/// </summary>
public sealed class Decompose3dPooling : IPass
{
    public string Name => "Decompose3dPooling";

    public string Description => "Replaces 3-D MaxPool/AveragePool by a 2-D pool over (H, W) then one over D.";

    public void Run(Graph graph, PassContext context)
    {
        var count = 0;
        for (var i = 0; i < graph.Nodes.Count; i++)
        {
            var node = graph.Nodes[i];
            if (node.Op is Pool { Kernel.Length: 3 } op && Applies(node, op))
            {
                i = Rewrite(graph, node, op).Splice(i) - 1;
                count++;
            }
        }

        if (count > 0)
        {
            context.Note($"decomposed {count} 3-D pooling(s) into 2-D poolings over (H, W) and D");
        }
    }

    private static bool Applies(Node node, Pool op)
    {
        var x = node.Input(0);
        return x.Shape.HasRank && x.Shape.Rank == 5 && x.Shape.Skip(1).All(d => d >= 0) && (op.Kind == PoolKind.Max || x.DType.IsFloat);
    }

    private static NodeSequence Rewrite(Graph graph, Node node, Pool op)
    {
        var seq = new NodeSequence(graph, node);
        var x = node.Input(0);
        var (channels, depth, height, width) = (x.Shape[1], x.Shape[2], x.Shape[3], x.Shape[4]);
        var outShape = node.Output.Shape;
        var (outDepth, outHeight, outWidth) = (outShape[2], outShape[3], outShape[4]);

        var planes = seq.Apply("planes", new Reshape([-1, channels * depth, height, width]), x);
        var spatial = op with { Kernel = op.Kernel[1..], Strides = op.Strides[1..], Pads = [op.Pads[1], op.Pads[2], op.Pads[4], op.Pads[5]] };
        var pooledPlanes = seq.Apply("pool_hw", spatial, planes);
        var columns = seq.Apply("columns", new Reshape([-1, channels, depth, outHeight * outWidth]), pooledPlanes);
        var deep = op with { Kernel = [op.Kernel[0], 1], Strides = [op.Strides[0], 1], Pads = [op.Pads[0], 0, op.Pads[3], 0] };
        var pooledColumns = seq.Apply("pool_d", deep, columns);
        seq.Finish(new Reshape([-1, channels, outDepth, outHeight, outWidth]), pooledColumns);
        return seq;
    }
}
