using MgeConvert.Formats.Pickle;
using MgeConvert.Ir.Ops;
using static MgeConvert.Formats.TracedModule.TmExportContext;

namespace MgeConvert.Formats.TracedModule;

/// <summary>Pooling and reductions: max_pool2d / avg_pool2d (1-D over an inserted axis), adaptive pools, math reductions.</summary>
internal static class TmExportPool
{
    /// <summary>
    /// max_pool2d / avg_pool2d; 1-D pooling runs over an inserted axis (3-D pooling arrives decomposed by
    /// <see cref="Passes.Decompose3dPooling"/>).
    /// </summary>
    public static void Pool(TmExportContext c)
    {
        var op = (Ir.Ops.Pool)c.Op;
        var rank = op.Kernel.Length;
        var shape = c.InShape(0);
        var outShape = c.OutShape();
        long[] begin = op.Pads[..rank], end = op.Pads[rank..];
        var x = c.In(0);
        switch (rank)
        {
            case 1:
                long[] view = [shape[0], shape[1], 1, shape[2]];
                x = c.Method("reshape", c.TempLike(view), x, TmArg.List(view));
                x = Pool2d(c, op, x, view, [1, op.Kernel[0]], [1, op.Strides[0]], [0, begin[0]], [0, end[0]], [outShape[0], outShape[1], 1, outShape[2]], false);
                c.Bind(c.Method("reshape", c.Out(), x, TmArg.List(outShape)));
                break;
            case 2:
                c.Bind(Pool2d(c, op, x, shape, op.Kernel, op.Strides, begin, end, outShape, true));
                break;
            default:
                throw Unsupported($"{rank}-D pooling");
        }
    }

    private static PyObject Pool2d(TmExportContext c, Ir.Ops.Pool op, PyObject x, long[] shape, long[] kernel, long[] strides, long[] begin, long[] end, long[] outShape, bool isOutput)
    {
        // Ceil mode: the extra window at the end reads padding, so pad the end by what the floor formula misses.
        end = (long[])end.Clone();
        for (var i = 0; i < 2; i++)
        {
            var floor = ((shape[i + 2] + begin[i] + end[i] - kernel[i]) / strides[i]) + 1;
            if (floor < outShape[i + 2])
            {
                end[i] += (outShape[i + 2] - floor) * strides[i];
            }
        }

        var average = op.Kind == PoolKind.Average;
        if (average && !op.CountIncludePad && !begin.SequenceEqual(end))
        {
            throw Unsupported("average pooling with asymmetric padding that excludes the padding from the count");
        }

        (x, var padding) = TmExportNn.SymmetricPads(c, x, shape, begin, end, average ? 0.0 : double.NegativeInfinity);
        var result = isOutput ? c.Out() : c.TempLike(outShape);
        return average
            ? c.Fn(Nn, "avg_pool2d", result, x, TmArg.Tuple(kernel), TmArg.Tuple(strides), TmArg.Tuple(padding),
                op.CountIncludePad ? "average" : "average_count_exclude_padding")
            : c.Fn(Nn, "max_pool2d", result, x, TmArg.Tuple(kernel), TmArg.Tuple(strides), TmArg.Tuple(padding));
    }

    /// <summary>Global pooling as a keepdims mean/max over the spatial axes.</summary>
    public static void GlobalPool(TmExportContext c)
    {
        var op = (Ir.Ops.GlobalPool)c.Op;
        var rank = c.InShape(0).Length;
        var axes = TmArg.Tuple(Enumerable.Range(2, rank - 2).Select(i => (long)i));
        c.Bind(c.Fn(MathFns, op.Kind == PoolKind.Max ? "max" : "mean", c.Out(), c.In(0), axes, true));
    }

    public static void AdaptivePool(TmExportContext c)
    {
        var op = (Ir.Ops.AdaptivePool)c.Op;
        if (op.OutputSize.Length != 2)
        {
            throw Unsupported($"{op.OutputSize.Length}-D adaptive pooling");
        }

        c.Bind(c.Fn(Nn, op.Kind == PoolKind.Max ? "adaptive_max_pool2d" : "adaptive_avg_pool2d", c.Out(), c.In(0), TmArg.Tuple(op.OutputSize)));
    }

    public static void Reduce(TmExportContext c)
    {
        var op = (Ir.Ops.Reduce)c.Op;
        var shape = c.InShape(0);
        var axes = op.Axes.Length == 0 ? [.. Enumerable.Range(0, shape.Length).Select(i => (long)i)] : op.Axes.Select(a => TmExportElementwise.Axis(a, shape.Length)).Order().ToArray();
        TmArg axisArg = axes.Length == 1 ? axes[0] : TmArg.Tuple(axes);
        var x = c.In(0);
        var temp = c.TempLike(c.OutShape());
        PyObject Sum(PyObject v, TmOut o) => c.Fn(MathFns, "sum", o, v, axisArg, op.KeepDims);
        PyObject y = op.Kind switch
        {
            ReduceKind.Sum => Sum(x, c.Out()),
            ReduceKind.Mean => c.Fn(MathFns, "mean", c.Out(), x, axisArg, op.KeepDims),
            ReduceKind.Max => c.Fn(MathFns, "max", c.Out(), x, axisArg, op.KeepDims),
            ReduceKind.Min => c.Fn(MathFns, "min", c.Out(), x, axisArg, op.KeepDims),
            ReduceKind.Prod => c.Fn(MathFns, "prod", c.Out(), x, axisArg, op.KeepDims),
            ReduceKind.SumSquare => Sum(c.Method("__mul__", c.TempLike(shape), x, x), c.Out()),
            ReduceKind.L1 => Sum(c.Fn(Elemwise, "abs", c.TempLike(shape), x), c.Out()),
            ReduceKind.L2 => c.Fn(Elemwise, "sqrt", c.Out(), Sum(c.Method("__mul__", c.TempLike(shape), x, x), temp)),
            ReduceKind.LogSum => c.Fn(Elemwise, "log", c.Out(), Sum(x, temp)),
            ReduceKind.LogSumExp => c.Fn(Elemwise, "log", c.Out(), Sum(c.Fn(Elemwise, "exp", c.TempLike(shape), x), temp)),
            _ => throw Unsupported($"reduction {op.Kind}"),
        };
        c.Bind(y);
    }

    /// <summary>argmax/argmin(x, axis, keepdims); MegEngine returns int32 indices.</summary>
    public static void ArgReduce(TmExportContext c)
    {
        var op = (Ir.Ops.ArgReduce)c.Op;
        if (op.SelectLastIndex)
        {
            throw Unsupported("arg-reduction selecting the last index");
        }

        var rank = c.InShape(0).Length;
        c.Bind(c.Fn(MathFns, op.IsMax ? "argmax" : "argmin", c.Out(), c.In(0), TmExportElementwise.Axis(op.Axis, rank), op.KeepDims));
    }

    /// <summary>topk(x, k, descending, kth_only, no_sort) along the last axis of a 1-D or 2-D input; values and int32 indices.</summary>
    public static void TopK(TmExportContext c)
    {
        var op = (Ir.Ops.TopK)c.Op;
        var rank = c.InShape(0).Length;
        if (TmExportElementwise.Axis(op.Axis, rank) != rank - 1 || rank > 2 || !op.Sorted)
        {
            throw Unsupported("top-k other than sorted along the last axis of a 1-D or 2-D tensor");
        }

        var outputs = c.W.Function(MathFns, "topk", [c.In(0), op.K, op.Largest, false, false], [c.Out(0), c.Out(1)]);
        c.Bind(outputs[0], 0);
        c.Bind(outputs[1], 1);
    }
}
