using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Reference.Kernels;

/// <summary>Ops that rearrange elements without changing them: reshapes, transpose, tile, expand, and ShapeOf.</summary>
internal static class ShapeKernels
{
    public static void Register(KernelTable table)
    {
        table.Add<Reshape>((op, c) => Reinterpret(op, c));
        table.Add<Flatten>((op, c) => Reinterpret(op, c));
        table.Add<Squeeze>((op, c) => Reinterpret(op, c));
        table.Add<Unsqueeze>((op, c) => Reinterpret(op, c));
        table.Add<Transpose>(Transpose);
        table.Add<Tile>(Tile);
        table.Add<Expand>(Expand);
        table.Add<ShapeOf>((_, c) => [Tensor.Vector(c.Input(0).Shape.ToArray())]);
    }

    /// <summary>Output shapes of an op applied to concrete tensors (their shapes are static, so these are too).</summary>
    public static Shape[] InferShapes(Op op, KernelContext context)
    {
        var values = context.Inputs.Select(t => t is null ? null : new Value("input", t)).ToList();
        return [.. op.InferTypes(new InferenceContext(op, values)).Select(t => t.Shape)];
    }

    private static Tensor[] Reinterpret(Op op, KernelContext context) =>
        [context.Conform(context.Input(0).Reshape(InferShapes(op, context)[0]))];

    private static Tensor[] Transpose(Transpose op, KernelContext context)
    {
        var x = context.Input(0);
        var dims = x.Shape.ToArray();
        var strides = Indexing.Strides(dims);
        var outDims = op.Perm.Select(p => dims[p]).ToArray();
        var source = Indexing.Map(outDims, [.. op.Perm.Select(p => strides[p])], 0);
        return [context.Conform(Indexing.Take(x, outDims, source))];
    }

    private static Tensor[] Tile(Tile op, KernelContext context)
    {
        var x = context.Input(0);
        var dims = x.Shape.ToArray();
        var strides = Indexing.Strides(dims);
        var outDims = dims.Select((d, i) => d * op.Repeats[i]).ToArray();
        var offsets = outDims.Select((d, axis) => Enumerable.Range(0, (int)d).Select(o => o % dims[axis] * strides[axis]).ToArray()).ToArray();
        return [context.Conform(Indexing.Take(x, outDims, Indexing.Separable(outDims, offsets)))];
    }

    private static Tensor[] Expand(Expand op, KernelContext context)
    {
        var x = context.Input(0);
        var outDims = Indexing.Broadcast(x.Shape.ToArray(), op.TargetShape);
        return [context.Conform(Indexing.Take(x, outDims, Indexing.BroadcastSource(x.Shape.ToArray(), outDims)))];
    }
}
