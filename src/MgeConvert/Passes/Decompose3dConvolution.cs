using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Passes;

/// <summary>
/// Rewrites each float 3-D Conv as a sum of 2-D ones, for targets without a 3-D convolution: the input, padded
/// along depth, is transposed to (N, D, C, H, W); for each depth tap i the depth positions it reads (stride and
/// dilation applied) are sliced, folded into the batch and convolved with the kernel plane W[:, :, i]; the sum
/// is unfolded and transposed back. The bias joins the first tap, a fused activation the last addition.
/// </summary>
public sealed class Decompose3dConvolution : IPass
{
    public string Name => "Decompose3dConvolution";

    public string Description => "Replaces 3-D Conv by per-depth-tap 2-D Convs summed (float, static C/D/H/W).";

    public void Run(Graph graph, PassContext context)
    {
        var count = 0;
        for (var i = 0; i < graph.Nodes.Count; i++)
        {
            var node = graph.Nodes[i];
            if (node.Op is Conv { SpatialRank: 3 } op && Applies(node))
            {
                i = Rewrite(graph, node, op).Splice(i) - 1;
                count++;
            }
        }

        if (count > 0)
        {
            context.Note($"decomposed {count} 3-D convolution(s) into 2-D convolutions over depth taps");
        }
    }

    private static bool Applies(Node node)
    {
        var x = node.Input(0);
        var w = node.Input(1);
        return x.DType.IsFloat && x.Shape.HasRank && x.Shape.Rank == 5 && x.Shape.Skip(1).All(d => d >= 0)
            && w.Shape.IsStatic && w.Shape.Rank == 5;
    }

    private static NodeSequence Rewrite(Graph graph, Node node, Conv op)
    {
        var seq = new NodeSequence(graph, node);
        var x = node.Input(0);
        var weight = node.Input(1);
        var bias = node.InputOrNull(2);
        var (channels, depth, height, width) = (x.Shape[1], x.Shape[2], x.Shape[3], x.Shape[4]);
        var outShape = node.Output.Shape;
        var (outChannels, outDepth, outHeight, outWidth) = (outShape[1], outShape[2], outShape[3], outShape[4]);
        var (kernelDepth, stride, dilation) = (weight.Shape[2], op.Strides[0], op.Dilations[0]);
        var (front, back) = (op.Pads[0], op.Pads[3]);

        if (front > 0 || back > 0)
        {
            x = seq.Apply("pad_depth", new Pad([0, 0, front, 0, 0, 0, 0, back, 0, 0]), x);
        }

        var depthMajor = seq.Apply("depth_major", new Transpose([0, 2, 1, 3, 4]), x);
        var plane = op with { Strides = op.Strides[1..], Pads = [op.Pads[1], op.Pads[2], op.Pads[4], op.Pads[5]], Dilations = op.Dilations[1..], Activation = FusedActivation.None };
        Value? sum = null;
        for (var tap = 0L; tap < kernelDepth; tap++)
        {
            var start = tap * dilation;
            var taps = seq.Apply($"tap{tap}", new Slice([start], [start + (stride * (outDepth - 1)) + 1], [1], [stride]), depthMajor);
            var folded = seq.Apply($"tap{tap}_folded", new Reshape([-1, channels, height, width]), taps);
            var last = tap == kernelDepth - 1;
            var tapOp = last && kernelDepth == 1 ? plane with { Activation = op.Activation } : plane;
            var y = seq.Apply($"tap{tap}_conv", tapOp, folded, KernelPlane(seq, weight, tap), tap == 0 ? bias : null);
            sum = sum is null ? y : seq.Apply($"tap{tap}_sum", new Binary(BinaryFunction.Add, last ? op.Activation : FusedActivation.None), sum, y);
        }

        var unfolded = seq.Apply("unfolded", new Reshape([-1, outDepth, outChannels, outHeight, outWidth]), sum!);
        seq.Finish(new Transpose([0, 2, 1, 3, 4]), unfolded);
        return seq;
    }

    /// <summary>W[:, :, i] of an (O, I, kd, kh, kw) kernel as (O, I, kh, kw): a constant, or a slice of a computed kernel.</summary>
    private static Value KernelPlane(NodeSequence seq, Value weight, long i)
    {
        var s = weight.Shape;
        long[] planeShape = [s[0], s[1], s[3], s[4]];
        if (weight.Constant is { } w)
        {
            return seq.Constant($"weight_d{i}", Plane(w, i));
        }

        var slice = seq.Apply($"weight_d{i}_slice", new Slice([i], [i + 1], [2], [1]), weight);
        return seq.Apply($"weight_d{i}", new Reshape(planeShape), slice);
    }

    private static Tensor Plane(Tensor weight, long i)
    {
        var (o, ci, kd, kh, kw) = (weight.Shape[0], weight.Shape[1], weight.Shape[2], weight.Shape[3], weight.Shape[4]);
        var plane = (int)(kh * kw * weight.DType.ElementSize);
        var src = weight.Bytes.Span;
        var dst = new byte[o * ci * plane];
        for (var r = 0; r < o * ci; r++)
        {
            src.Slice((int)(((r * kd) + i) * plane), plane).CopyTo(dst.AsSpan(r * plane, plane));
        }

        return new Tensor(weight.DType, new Shape(o, ci, kh, kw), dst);
    }
}
