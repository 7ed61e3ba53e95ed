using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Reference.Kernels;

/// <summary>Concat, Split, Slice, Gather and GatherElements (element bytes are copied exactly).</summary>
internal static class SlicingKernels
{
    public static void Register(KernelTable table)
    {
        table.Add<Concat>(Concat);
        table.Add<Split>(Split);
        table.Add<Slice>(Slice);
        table.Add<Gather>(Gather);
        table.Add<GatherElements>(GatherElements);
    }

    private static Tensor[] Concat(Concat op, KernelContext context)
    {
        var inputs = context.Inputs.Select((t, i) => TensorValues.Convert(context.Input(i), context.OutputType())).ToArray();
        var first = inputs[0].Shape.ToArray();
        var axis = Indexing.Axis(op.Axis, first.Length);
        var outDims = (long[])first.Clone();
        outDims[axis] = inputs.Sum(t => t.Shape[axis]);
        var (outer, _, inner) = Indexing.AroundAxis(outDims, axis);
        var size = context.OutputType().ElementSize;
        var bytes = new byte[Indexing.Count(outDims) * size];
        var written = 0;
        for (var o = 0; o < outer; o++)
        {
            foreach (var t in inputs)
            {
                var chunk = (int)t.Shape[axis] * inner * size;
                t.Bytes.Span.Slice(o * chunk, chunk).CopyTo(bytes.AsSpan(written, chunk));
                written += chunk;
            }
        }

        return [new Tensor(context.OutputType(), new Shape(outDims), bytes)];
    }

    private static Tensor[] Split(Split op, KernelContext context)
    {
        var x = context.Input(0);
        var dims = x.Shape.ToArray();
        var axis = Indexing.Axis(op.Axis, dims.Length);
        var outputs = new Tensor[op.Sizes.Length];
        long start = 0;
        for (var i = 0; i < outputs.Length; i++)
        {
            outputs[i] = context.Conform(SliceAxis(x, axis, start, op.Sizes[i], 1), i);
            start += op.Sizes[i];
        }

        return outputs;
    }

    private static Tensor SliceAxis(Tensor x, int axis, long first, long count, long step)
    {
        var dims = x.Shape.ToArray();
        var strides = Indexing.Strides(dims);
        var outDims = (long[])dims.Clone();
        outDims[axis] = count;
        var stepped = (long[])strides.Clone();
        stepped[axis] = strides[axis] * step;
        return Indexing.Take(x, outDims, Indexing.Map(outDims, stepped, first * strides[axis]));
    }

    private static Tensor[] Slice(Slice op, KernelContext context)
    {
        var x = context.Input(0);
        var dims = x.Shape.ToArray();
        var strides = Indexing.Strides(dims);
        var outDims = (long[])dims.Clone();
        var stepped = (long[])strides.Clone();
        long offset = 0;
        for (var i = 0; i < op.Axes.Length; i++)
        {
            var axis = Indexing.Axis(op.Axes[i], dims.Length);
            var (first, count) = Ir.Ops.Slice.Range(dims[axis], op.Starts[i], op.Ends[i], op.Steps[i]);
            outDims[axis] = count;
            stepped[axis] = strides[axis] * op.Steps[i];
            offset += count > 0 ? first * strides[axis] : 0;
        }

        return [context.Conform(Indexing.Take(x, outDims, Indexing.Map(outDims, stepped, offset)))];
    }

    private static Tensor[] Gather(Gather op, KernelContext context)
    {
        var x = context.Input(0);
        var indices = context.Input(1);
        var dims = x.Shape.ToArray();
        var axis = Indexing.Axis(op.Axis, dims.Length);
        var (outer, length, inner) = Indexing.AroundAxis(dims, axis);
        var idx = TensorValues.Integers(indices);
        var source = new int[outer * idx.Length * inner];
        var o = 0;
        for (var a = 0; a < outer; a++)
        {
            foreach (var raw in idx)
            {
                var j = CheckIndex(raw, length, context);
                for (var i = 0; i < inner; i++)
                {
                    source[o++] = (((a * length) + j) * inner) + i;
                }
            }
        }

        var outDims = dims[..axis].Concat(indices.Shape.ToArray()).Concat(dims[(axis + 1)..]).ToArray();
        return [context.Conform(Indexing.Take(x, outDims, source))];
    }

    private static Tensor[] GatherElements(GatherElements op, KernelContext context)
    {
        var x = context.Input(0);
        var indices = context.Input(1);
        var dims = x.Shape.ToArray();
        var axis = Indexing.Axis(op.Axis, dims.Length);
        var strides = Indexing.Strides(dims);
        var idxDims = indices.Shape.ToArray();
        var withoutAxis = (long[])strides.Clone();
        withoutAxis[axis] = 0;
        var baseIndex = Indexing.Map(idxDims, withoutAxis, 0);
        var idx = TensorValues.Integers(indices);
        var source = new int[idx.Length];
        for (var i = 0; i < idx.Length; i++)
        {
            source[i] = baseIndex[i] + (int)(CheckIndex(idx[i], (int)dims[axis], context) * strides[axis]);
        }

        return [context.Conform(Indexing.Take(x, idxDims, source))];
    }

    private static int CheckIndex(long index, int length, KernelContext context)
    {
        var j = index < 0 ? index + length : index;
        return j >= 0 && j < length ? (int)j : throw new IrException($"node {context.NodeName}: index {index} is out of range for length {length}");
    }
}
