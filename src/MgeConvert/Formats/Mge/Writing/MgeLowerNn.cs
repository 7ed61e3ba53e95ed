using MgeConvert.Formats.Mge.Fbs;
using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Formats.Mge.Writing;

/// <summary>Convolution, pooling, normalization and matrix products (NCHW; 1-D forms run as 2-D with a trailing size-1 axis).</summary>
internal static class MgeLowerNn
{
    public static MgeVar[] Conv(MgeLowering cx)
    {
        var op = (Conv)cx.Current.Op;
        var x = cx.In(0);
        var w = cx.In(1);
        var outShape = cx.OutShape();
        var (x4, w4, pads, strides, dilations) = To2D(cx, x, w, op.Pads, op.Strides, op.Dilations);
        var (front, back) = (pads[..2], pads[2..]);
        if (!front.SequenceEqual(back))
        {
            x4 = cx.Padding(x4, [0, 0, .. front], [0, 0, .. back], PaddingPaddingMode.CONSTANT, 0);
            front = [0, 0];
        }

        var group = op.Group > 1;
        if (group)
        {
            var s = w4.Shape;
            w4 = cx.Aligned(w4, new Shape(op.Group, s[0] / op.Group, s[1], s[2], s[3]));
        }

        var shape4 = outShape.Rank == 3 ? new Shape(outShape[0], outShape[1], outShape[2], 1) : outShape;
        var y = cx.Emit("ConvolutionForward", MgeWriteParams.Convolution(U(front), U(strides), U(dilations), group), [x4, w4], shape4, x.DType,
            x.DType.Kind == DTypeEnum.Float32 ? null : cx.OutDType());
        y = AddChannelBias(cx, y, 2);
        return [MgeLowerElementwise.Activation(cx, cx.Reshape(y, outShape), op.Activation)];
    }

    /// <summary>Deconvolution = ConvolutionBackwardData(filter, data[, shape source]); the IR filter (IC, OC/g, kh, kw) is MegEngine's layout.</summary>
    public static MgeVar[] ConvTranspose(MgeLowering cx)
    {
        var op = (Ir.Ops.ConvTranspose)cx.Current.Op;
        var x = cx.In(0);
        var w = cx.In(1);
        var outShape = cx.OutShape();
        var (x4, w4, pads, strides, dilations) = To2D(cx, x, w, op.Pads, op.Strides, op.Dilations);
        if (!pads[..2].SequenceEqual(pads[2..]))
        {
            throw new MgeWriteUnsupportedException("ConvTranspose with asymmetric pads is not supported");
        }

        var group = op.Group > 1;
        if (group)
        {
            var s = w4.Shape;
            w4 = cx.Aligned(w4, new Shape(op.Group, s[0] / op.Group, s[1], s[2], s[3]));
        }

        var shape4 = outShape.Rank == 3 ? new Shape(outShape[0], outShape[1], outShape[2], 1) : outShape;
        List<MgeVar> inputs = [w4, x4];
        if (op.OutputPadding is { } extra && extra.Any(p => p != 0))
        {
            // The third input only lends its shape: the output size the output padding asks for.
            inputs.Add(cx.Broadcast(cx.Scalar(0, x.DType, 4), shape4));
        }

        var y = cx.Emit("ConvolutionBackwardData", MgeWriteParams.Convolution(U(pads[..2]), U(strides), U(dilations), group), inputs, shape4, x.DType);
        y = AddChannelBias(cx, y, 2);
        return [MgeLowerElementwise.Activation(cx, cx.Reshape(y, outShape), op.Activation)];
    }

    private static (MgeVar X, MgeVar W, long[] Pads, long[] Strides, long[] Dilations) To2D(MgeLowering cx, MgeVar x, MgeVar w, long[] pads, long[] strides, long[] dilations)
    {
        switch (x.Shape.Rank)
        {
            case 4:
                return (x, w, pads, strides, dilations);
            case 3:
                var xs = x.Shape;
                var ws = w.Shape;
                return (cx.Reshape(x, new Shape(xs[0], xs[1], xs[2], 1)), cx.Aligned(w, new Shape(ws[0], ws[1], ws[2], 1)),
                    [pads[0], 0, pads[1], 0], [strides[0], 1], [dilations[0], 1]);
            default:
                throw new MgeWriteUnsupportedException($"{x.Shape.Rank - 2}-D convolution is not supported (MegEngine dumps here cover 1-D and 2-D)");
        }
    }

    /// <summary>Optional bias input (C) added as (1, C, 1, 1).</summary>
    private static MgeVar AddChannelBias(MgeLowering cx, MgeVar y, int biasInput)
    {
        if (!cx.HasInput(biasInput))
        {
            return y;
        }

        var b = cx.In(biasInput);
        var shape = new Shape([1, b.Shape.ElementCount, .. Enumerable.Repeat(1L, y.Shape.Rank - 2)]);
        return cx.Elem(ElemwiseMode.ADD, y, cx.Aligned(b, shape));
    }

    public static MgeVar[] Pool(MgeLowering cx)
    {
        var op = (Pool)cx.Current.Op;
        var x = cx.In(0);
        var outShape = cx.OutShape();
        if (x.Shape.Rank is not (3 or 4))
        {
            throw new MgeWriteUnsupportedException($"{x.Shape.Rank - 2}-D pooling is not supported");
        }

        var oneD = x.Shape.Rank == 3;
        var x4 = oneD ? cx.Reshape(x, new Shape(x.Shape[0], x.Shape[1], x.Shape[2], 1)) : x;
        long[] kernel = oneD ? [op.Kernel[0], 1] : op.Kernel;
        long[] strides = oneD ? [op.Strides[0], 1] : op.Strides;
        long[] front = oneD ? [op.Pads[0], 0] : op.Pads[..2];
        long[] back = oneD ? [op.Pads[1], 0] : op.Pads[2..];
        var out4 = oneD ? new Shape(outShape[0], outShape[1], outShape[2], 1) : outShape;
        for (var i = 0; i < 2; i++)
        {
            // Ceil mode: the last window may run past the padded input; extend the end padding to cover it.
            var needed = ((out4[i + 2] - 1) * strides[i]) + kernel[i] - (x4.Shape[i + 2] + front[i] + back[i]);
            if (needed > 0)
            {
                if (op.Kind == PoolKind.Average)
                {
                    throw new MgeWriteUnsupportedException("average pooling in ceil mode with a partial last window is not supported");
                }

                back[i] += needed;
            }
        }

        var max = op.Kind == PoolKind.Max;
        if (!front.SequenceEqual(back))
        {
            if (!max && !op.CountIncludePad)
            {
                throw new MgeWriteUnsupportedException("average pooling excluding asymmetric padding is not supported");
            }

            x4 = cx.Padding(x4, [0, 0, .. front], [0, 0, .. back], PaddingPaddingMode.CONSTANT, max ? float.NegativeInfinity : 0);
            front = [0, 0];
        }

        var mode = max ? PoolingV0Mode.MAX_ : op.CountIncludePad ? PoolingV0Mode.AVERAGE : PoolingV0Mode.AVERAGE_COUNT_EXCLUDE_PADDING;
        var y = cx.Emit("PoolingForward", MgeWriteParams.Pooling(mode, U(front), U(strides), U(kernel)), out4, x.DType, x4);
        return [cx.Reshape(y, outShape)];
    }

    public static MgeVar[] GlobalPool(MgeLowering cx)
    {
        var kind = ((GlobalPool)cx.Current.Op).Kind;
        var x = cx.In(0);
        if (x.Shape.Rank == 4)
        {
            return [AdaptivePooling(cx, x, kind, [1, 1])];
        }

        return [cx.ReduceAxes(x, kind == PoolKind.Max ? ReduceMode.MAX_ : ReduceMode.MEAN, Enumerable.Range(2, x.Shape.Rank - 2))];
    }

    public static MgeVar[] AdaptivePool(MgeLowering cx)
    {
        var op = (AdaptivePool)cx.Current.Op;
        var x = cx.In(0);
        if (x.Shape.Rank != 4 || op.OutputSize.Length != 2)
        {
            throw new MgeWriteUnsupportedException("adaptive pooling is supported on NCHW inputs only");
        }

        return [AdaptivePooling(cx, x, op.Kind, op.OutputSize)];
    }

    private static MgeVar AdaptivePooling(MgeLowering cx, MgeVar x, PoolKind kind, long[] size) =>
        cx.Emit("AdaptivePoolingForward", MgeWriteParams.AdaptivePooling(kind == PoolKind.Max ? PoolingV0Mode.MAX_ : PoolingV0Mode.AVERAGE),
            new Shape(x.Shape[0], x.Shape[1], size[0], size[1]), x.DType, x, cx.ConstInts(size));

    /// <summary>Inference batch norm as MegEngine's optimizer leaves it: y = x·a + b per channel (a, b folded when constant).</summary>
    public static MgeVar[] BatchNorm(MgeLowering cx)
    {
        var eps = ((Ir.Ops.BatchNorm)cx.Current.Op).Epsilon;
        var x = cx.In(0);
        var channelShape = new Shape([1, x.Shape[1], .. Enumerable.Repeat(1L, x.Shape.Rank - 2)]);
        var values = Enumerable.Range(1, 4).Select(i => cx.InValue(i).Constant).ToArray();
        if (values.All(v => v is not null))
        {
            var (scale, bias, mean, variance) = (values[0]!.ToFloats(), values[1]!.ToFloats(), values[2]!.ToFloats(), values[3]!.ToFloats());
            var a = new float[scale.Length];
            var b = new float[scale.Length];
            for (var c = 0; c < a.Length; c++)
            {
                a[c] = (float)(scale[c] / Math.Sqrt(variance[c] + (double)eps));
                b[c] = (float)(bias[c] - (mean[c] * (double)a[c]));
            }

            return [cx.Elem(ElemwiseMode.ADD, cx.Elem(ElemwiseMode.MUL, x, cx.Const(Tensor.FromFloats(channelShape, a))), cx.Const(Tensor.FromFloats(channelShape, b)))];
        }

        var p = Enumerable.Range(1, 4).Select(i => cx.Aligned(cx.In(i), channelShape)).ToArray();
        var factor = cx.Elem(ElemwiseMode.MUL, p[0], cx.PowC(cx.Elem(ElemwiseMode.ADD, p[3], eps), -0.5f));
        var shift = cx.Elem(ElemwiseMode.SUB, p[1], cx.Elem(ElemwiseMode.MUL, p[2], factor));
        return [cx.Elem(ElemwiseMode.ADD, cx.Elem(ElemwiseMode.MUL, x, factor), shift)];
    }

    public static MgeVar[] InstanceNorm(MgeLowering cx)
    {
        var eps = ((InstanceNorm)cx.Current.Op).Epsilon;
        var x = cx.In(0);
        var channelShape = new Shape([1, x.Shape[1], .. Enumerable.Repeat(1L, x.Shape.Rank - 2)]);
        var y = Normalize(cx, x, [.. Enumerable.Range(2, x.Shape.Rank - 2)], eps);
        return [cx.Elem(ElemwiseMode.ADD, cx.Elem(ElemwiseMode.MUL, y, cx.Aligned(cx.In(1), channelShape)), cx.Aligned(cx.In(2), channelShape))];
    }

    /// <summary>(x − mean) / sqrt(var + eps) over <paramref name="axes"/>.</summary>
    private static MgeVar Normalize(MgeLowering cx, MgeVar x, int[] axes, float eps)
    {
        var centered = cx.Elem(ElemwiseMode.SUB, x, cx.ReduceAxes(x, ReduceMode.MEAN, axes));
        var variance = cx.ReduceAxes(cx.Elem(ElemwiseMode.MUL, centered, centered), ReduceMode.MEAN, axes);
        return cx.Elem(ElemwiseMode.MUL, centered, cx.PowC(cx.Elem(ElemwiseMode.ADD, variance, eps), -0.5f));
    }

    /// <summary>mgv2: the LayerNorm operator (outputs y, mean, rstd); FBS v1 targets get the decomposition MegEngine's v1 dumper writes (§9.2).</summary>
    public static MgeVar[] LayerNorm(MgeLowering cx)
    {
        var op = (Ir.Ops.LayerNorm)cx.Current.Op;
        var x = cx.In(0);
        var rank = x.Shape.Rank;
        var axis = cx.Axis(op.Axis, rank);
        var normalized = new Shape(x.Shape.Skip(axis).ToArray());
        var hasScale = cx.HasInput(1);
        var hasBias = cx.HasInput(2);
        if (cx.IsV2 && (!hasScale || cx.InValue(1).Shape.Equals(normalized)) && (!hasBias || cx.InValue(2).Shape.Equals(normalized)))
        {
            List<MgeVar> inputs = [x];
            if (hasScale || hasBias)
            {
                inputs.Add(hasScale ? cx.In(1) : cx.Const(Tensor.FromFloats(normalized, [.. Enumerable.Repeat(1f, (int)normalized.ElementCount)])));
                inputs.Add(hasBias ? cx.In(2) : cx.Const(Tensor.FromFloats(normalized, new float[normalized.ElementCount])));
            }

            var stats = new Shape(x.Shape.Take(axis).ToArray());
            var outputs = cx.EmitMulti("LayerNormForward", [MgeWriteParams.LayerNorm(inputs.Count > 1, op.Epsilon, (ulong)(rank - axis), (ulong)normalized.ElementCount)],
                inputs, [x.Shape, stats, stats], [x.DType, x.DType, x.DType]);
            return [outputs[0]];
        }

        var y = Normalize(cx, x, [.. Enumerable.Range(axis, rank - axis)], op.Epsilon);
        if (hasScale)
        {
            y = cx.Elem(ElemwiseMode.MUL, y, cx.In(1));
        }

        if (hasBias)
        {
            y = cx.Elem(ElemwiseMode.ADD, y, cx.In(2));
        }

        return [y];
    }

    public static MgeVar[] Gemm(MgeLowering cx)
    {
        var op = (Gemm)cx.Current.Op;
        var a = cx.In(0);
        var b = cx.In(1);
        var m = op.TransA ? a.Shape[1] : a.Shape[0];
        var n = op.TransB ? b.Shape[0] : b.Shape[1];
        var y = cx.Emit("MatrixMul", MgeWriteParams.MatrixMul(op.TransA, op.TransB), new Shape(m, n), a.DType, a, b);
        if (op.Alpha != 1)
        {
            y = cx.Elem(ElemwiseMode.MUL, y, op.Alpha);
        }

        if (cx.HasInput(2) && op.Beta != 0)
        {
            var c = cx.InValue(2);
            var cv = op.Beta == 1 ? cx.Var(c)
                : c.Constant is { } t ? cx.Const(Tensor.FromFloats(t.Shape, [.. t.ToFloats().Select(v => v * op.Beta)]))
                : cx.Elem(ElemwiseMode.MUL, cx.Var(c), op.Beta);
            y = cx.Elem(ElemwiseMode.ADD, y, cv);
        }

        return [MgeLowerElementwise.Activation(cx, y, op.Activation)];
    }

    /// <summary>numpy matmul: 2-D → MatrixMul; a batch against a matrix → flattened MatrixMul; batches → BatchedMatrixMul after broadcasting.</summary>
    public static MgeVar[] MatMul(MgeLowering cx)
    {
        var a = cx.In(0);
        var b = cx.In(1);
        var outShape = cx.OutShape();
        if (a.Shape.Rank == 1)
        {
            a = cx.Reshape(a, new Shape(1, a.Shape[0]));
        }

        if (b.Shape.Rank == 1)
        {
            b = cx.Aligned(b, new Shape(b.Shape[0], 1));
        }

        var (ra, rb) = (a.Shape.Rank, b.Shape.Rank);
        var (m, k, n) = (a.Shape[ra - 2], a.Shape[ra - 1], b.Shape[rb - 1]);
        MgeVar y;
        if (ra == 2 && rb == 2)
        {
            y = cx.Emit("MatrixMul", MgeWriteParams.MatrixMul(false, false), new Shape(m, n), a.DType, a, b);
        }
        else if (rb == 2)
        {
            var rows = a.Shape.ElementCount / k;
            var flat = cx.Emit("MatrixMul", MgeWriteParams.MatrixMul(false, false), new Shape(rows, n), a.DType, cx.Reshape(a, new Shape(rows, k)), b);
            y = flat;
        }
        else
        {
            var batch = ShapeMath.Broadcast(new Shape(a.Shape.Take(ra - 2).ToArray()), new Shape(b.Shape.Take(rb - 2).ToArray()));
            var count = batch.ElementCount;
            var a3 = cx.Reshape(cx.Broadcast(a, new Shape([.. batch, m, k])), new Shape(count, m, k));
            var b3 = cx.Reshape(Broadcast(cx, b, new Shape([.. batch, k, n])), new Shape(count, k, n));
            y = cx.Emit("BatchedMatrixMul", MgeWriteParams.MatrixMul(false, false), new Shape(count, m, n), a.DType, a3, b3);
        }

        return [cx.Reshape(y, outShape)];
    }

    private static MgeVar Broadcast(MgeLowering cx, MgeVar v, Shape target) =>
        v.Shape.Rank < target.Rank && v.Shape.ElementCount == target.ElementCount ? cx.Aligned(v, target) : cx.Broadcast(v, target);

    public static MgeVar[] ArgReduce(MgeLowering cx)
    {
        var op = (ArgReduce)cx.Current.Op;
        if (op.SelectLastIndex)
        {
            throw new MgeWriteUnsupportedException("select_last_index is not supported");
        }

        var x = cx.In(0);
        var axis = cx.Axis(op.Axis, x.Shape.Rank);

        // MegEngine's Argmin never appears in its own dumps here; argmin(x) = argmax(−x) with the same first-index tie rule.
        var source = op.IsMax ? x : cx.Elem(ElemwiseMode.NEGATE, x);
        var y = cx.Emit("Argmax", MgeWriteParams.Axis(axis), x.Shape.With(axis, 1), MgeLowering.Int32Type, source);
        return [op.KeepDims ? y : cx.RemoveAxes(y, [axis])];
    }

    /// <summary>MegEngine's TopK works on rows of a 2-D tensor; k &lt; 0 selects the largest.</summary>
    public static MgeVar[] TopK(MgeLowering cx)
    {
        var op = (Ir.Ops.TopK)cx.Current.Op;
        var x = cx.In(0);
        var rank = x.Shape.Rank;
        var axis = cx.Axis(op.Axis, rank);
        var perm = Enumerable.Range(0, rank).Where(i => i != axis).Append(axis).ToArray();
        var moved = cx.Dimshuffle(x, perm);
        var rows = moved.Shape.ElementCount / x.Shape[axis];
        var flat = cx.Reshape(moved, new Shape(rows, x.Shape[axis]));
        var k = cx.ConstInts(op.Largest ? -op.K : op.K);
        var outputs = cx.EmitMulti("TopK", [MgeWriteParams.TopK(TopKMode.VALUE_IDX_SORTED)], [flat, k],
            [new Shape(rows, op.K), new Shape(rows, op.K)], [x.DType, MgeLowering.Int32Type]);
        var movedShape = new Shape([.. moved.Shape.Take(rank - 1), op.K]);
        var inverse = Enumerable.Range(0, rank).Select(i => Array.IndexOf(perm, i)).ToArray();
        return [.. outputs.Select(o => cx.Dimshuffle(cx.Reshape(o, movedShape), inverse))];
    }

    public static MgeVar[] Reduce(MgeLowering cx)
    {
        var op = (Ir.Ops.Reduce)cx.Current.Op;
        var x = cx.In(0);
        var rank = x.Shape.Rank;
        int[] axes = op.Axes.Length == 0 ? [.. Enumerable.Range(0, rank)] : [.. op.Axes.Select(a => cx.Axis(a, rank))];
        var y = op.Kind switch
        {
            ReduceKind.Sum => cx.ReduceAxes(x, ReduceMode.SUM, axes),
            ReduceKind.Mean => cx.ReduceAxes(x, ReduceMode.MEAN, axes),
            ReduceKind.Max => cx.ReduceAxes(x, ReduceMode.MAX_, axes),
            ReduceKind.Min => cx.ReduceAxes(x, ReduceMode.MIN_, axes),
            ReduceKind.Prod => cx.ReduceAxes(x, ReduceMode.PRODUCT, axes),
            ReduceKind.SumSquare => SumSquare(cx, x, axes),
            ReduceKind.LogSum => cx.Elem(ElemwiseMode.LOG, cx.ReduceAxes(x, ReduceMode.SUM, axes)),
            ReduceKind.LogSumExp => LogSumExp(cx, x, axes),
            var k => throw new MgeWriteUnsupportedException($"reduction {k} is not supported"),
        };
        return [op.KeepDims ? y : cx.RemoveAxes(y, axes)];
    }

    /// <summary>SUM_SQR on the first axis, SUM on the rest.</summary>
    private static MgeVar SumSquare(MgeLowering cx, MgeVar x, int[] axes)
    {
        var sorted = axes.Order().ToArray();
        return cx.ReduceAxes(cx.Reduce(x, ReduceMode.SUM_SQR, sorted[0]), ReduceMode.SUM, sorted[1..]);
    }

    private static MgeVar LogSumExp(MgeLowering cx, MgeVar x, int[] axes)
    {
        var m = cx.ReduceAxes(x, ReduceMode.MAX_, axes);
        var s = cx.ReduceAxes(cx.Elem(ElemwiseMode.EXP, cx.Elem(ElemwiseMode.SUB, x, m)), ReduceMode.SUM, axes);
        return cx.Elem(ElemwiseMode.ADD, cx.Elem(ElemwiseMode.LOG, s), m);
    }

    /// <summary>mgv2: the Softmax operator; FBS v1 targets: MAX, SUB, EXP, SUM, TRUE_DIV as MegEngine's v1 dumper writes it (§9.2).</summary>
    public static MgeVar[] Softmax(MgeLowering cx)
    {
        var x = cx.In(0);
        var axis = cx.Axis(((Ir.Ops.Softmax)cx.Current.Op).Axis, x.Shape.Rank);
        if (cx.IsV2)
        {
            return [cx.Emit("SoftmaxForward", MgeWriteParams.Softmax(axis), x.Shape, x.DType, x)];
        }

        var e = cx.Elem(ElemwiseMode.EXP, cx.Elem(ElemwiseMode.SUB, x, cx.Reduce(x, ReduceMode.MAX_, axis)));
        return [cx.Elem(ElemwiseMode.TRUE_DIV, e, cx.Reduce(e, ReduceMode.SUM, axis))];
    }

    public static MgeVar[] LogSoftmax(MgeLowering cx)
    {
        var x = cx.In(0);
        var axis = cx.Axis(((LogSoftmax)cx.Current.Op).Axis, x.Shape.Rank);
        var d = cx.Elem(ElemwiseMode.SUB, x, cx.Reduce(x, ReduceMode.MAX_, axis));
        var lse = cx.Elem(ElemwiseMode.LOG, cx.Reduce(cx.Elem(ElemwiseMode.EXP, d), ReduceMode.SUM, axis));
        return [cx.Elem(ElemwiseMode.SUB, d, lse)];
    }

    private static uint[] U(long[] v) => [.. v.Select(x => checked((uint)x))];
}
