using MgeConvert.Formats.Mge.Fbs;
using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Formats.Mge;

/// <summary>Shape, layout and data-movement operators (§9); shape operands must resolve to constants.</summary>
internal static class MgeShapeOps
{
    private const int NoAxis = 7;
    private const long Open = long.MaxValue;

    /// <summary>Int32 shape of the input (broadcast shape of several inputs); a constant when the shape is static.</summary>
    public static Value?[] GetVarShape(MgeConversion cx)
    {
        var axis = cx.Current.Param(OperatorParam.OptionalAxisV1) is { } p ? p.As<OptionalAxisV1>().Axis : NoAxis;
        var shape = ShapeMath.Broadcast(Enumerable.Range(0, cx.InputCount).Select(i => cx.In(i).Shape));
        if (!shape.IsStatic)
        {
            throw new MgeUnsupportedException($"GetVarShape of a dynamic shape {shape} is not supported");
        }

        var dims = axis == NoAxis ? shape.ToArray() : [shape[ShapeMath.Axis(axis, shape.Rank)]];
        return [cx.Constant(Tensor.FromInt32s(new Shape(dims.Length), [.. dims.Select(d => (int)d)]), cx.OutputName())];
    }

    public static Value?[] Reshape(MgeConversion cx)
    {
        var x = cx.In(0);
        var target = cx.ConstInts(1, "reshape target shape");
        var axis = cx.Current.Param(OperatorParam.OptionalAxisV1) is { } p ? p.As<OptionalAxisV1>().Axis : NoAxis;
        if (axis != NoAxis)
        {
            target[ShapeMath.Axis(axis, target.Length)] = -1;
        }

        if (x.Shape.IsStatic && target.Count(d => d == -1) == 1)
        {
            var rest = target.Where(d => d != -1).Aggregate(1L, (a, b) => a * b);
            target[Array.IndexOf(target, -1)] = rest == 0 ? 0 : x.Shape.ElementCount / rest;
        }

        return [MgeConvOps.Reshaped(cx, x, target)];
    }

    public static Value?[] Broadcast(MgeConversion cx)
    {
        var x = cx.In(0);
        var target = cx.ConstInts(1, "broadcast target shape");
        return [x.Shape.Equals(new Shape(target)) ? x : cx.Apply(new Expand(target), x)];
    }

    /// <summary>Output axis j = input axis pattern[j]; −1 = new axis; input axes left out must have size 1.</summary>
    public static Value?[] Dimshuffle(MgeConversion cx)
    {
        var pattern = cx.Param<Dimshuffle>(OperatorParam.Dimshuffle).GetPatternArray() ?? [];
        var x = cx.In(0);
        var rank = x.Shape.Rank;
        var kept = pattern.Where(a => a >= 0).ToArray();
        var dropped = Enumerable.Range(0, rank).Where(a => !kept.Contains(a)).ToArray();
        var v = x;
        if (dropped.Length > 0)
        {
            v = cx.Apply(new Squeeze([.. dropped.Select(a => (long)a)]), v);
        }

        var renumbered = kept.Select(a => (long)(a - dropped.Count(d => d < a))).ToArray();
        if (!renumbered.Select((a, i) => a == i).All(b => b))
        {
            v = cx.Apply(new Transpose(renumbered), v);
        }

        var added = pattern.Select((a, i) => (a, i)).Where(t => t.a < 0).Select(t => (long)t.i).ToArray();
        if (added.Length > 0)
        {
            v = cx.Apply(new Unsqueeze(added), v);
        }

        return [v];
    }

    /// <summary>Descs applied in order: ADD_1 inserts a size-1 axis before <c>axis</c>, REMOVE drops size-1 axis <c>axis</c>.</summary>
    public static Value?[] AxisAddRemove(MgeConversion cx)
    {
        var p = cx.Param<AxisAddRemove>(OperatorParam.AxisAddRemove);
        var v = cx.In(0);
        for (var i = 0; i < p.DescLength; i++)
        {
            var d = p.Desc(i)!.Value;
            var rank = v.Shape.Rank;
            if (d.Method == AxisDescMethod.ADD_1)
            {
                var axis = d.Axis < 0 ? d.Axis + rank + 1 : d.Axis;
                v = cx.Apply(new Unsqueeze([axis]), v);
            }
            else
            {
                v = cx.Apply(new Squeeze([ShapeMath.Axis(d.Axis, rank)]), v);
            }
        }

        return [v];
    }

    public static Value?[] Concat(MgeConversion cx)
    {
        var axis = cx.Param<Axis>(OperatorParam.Axis).Axis_;
        var inputs = Enumerable.Range(0, cx.InputCount).Select(cx.In).ToArray();
        var target = cx.OutputDType(inputs[0].DType);
        if (!target.IsQuantized && inputs.All(v => v.DType == target))
        {
            return [cx.Apply(new Ir.Ops.Concat(axis), inputs)];
        }

        return [cx.To(cx.Apply(new Ir.Ops.Concat(axis), [.. inputs.Select(cx.Float)]), target)];
    }

    public static Value?[] Split(MgeConversion cx)
    {
        var axis = cx.Param<Axis>(OperatorParam.Axis).Axis_;
        var sizes = Enumerable.Range(1, cx.InputCount - 1).Select(i => cx.ConstInts(i, "split size").Single()).ToArray();
        return cx.ApplyMulti(new Ir.Ops.Split(axis, sizes), cx.In(0));
    }

    /// <summary>Python-style indexing (§9.1): slices per begin/end/step, single indices drop their axis.</summary>
    public static Value?[] Subtensor(MgeConversion cx)
    {
        var items = Items(cx);
        var x = cx.In(0);
        var rank = x.Shape.Rank;
        var next = 1;
        var starts = new List<long>();
        var ends = new List<long>();
        var axes = new List<long>();
        var steps = new List<long>();
        var squeeze = new List<long>();
        foreach (var item in items)
        {
            var axis = ShapeMath.Axis(item.Axis, rank);
            long? begin = item.Begin ? Scalar(cx, next++, "slice begin") : null;
            long? end = item.End ? Scalar(cx, next++, "slice end") : null;
            var step = item.Step ? Scalar(cx, next++, "slice step") : 1;
            if (item.Idx)
            {
                var index = Scalar(cx, next++, "index");
                starts.Add(index);
                ends.Add(index == -1 ? Open : index + 1);
                squeeze.Add(axis);
            }
            else
            {
                starts.Add(begin ?? (step > 0 ? 0 : Open));
                ends.Add(end ?? (step > 0 ? Open : -Open));
            }

            axes.Add(axis);
            steps.Add(step);
        }

        var v = cx.Apply(new Slice([.. starts], [.. ends], [.. axes], [.. steps]), x);
        if (squeeze.Count == 0)
        {
            return [v];
        }

        // MegEngine has no 0-d vars: indexing every axis leaves shape [1].
        return [squeeze.Count == rank ? MgeConvOps.Reshaped(cx, v, [1]) : cx.Apply(new Squeeze([.. squeeze]), v)];
    }

    /// <summary>
    /// Vector indexing: 1-D index arrays on adjacent axes (numpy advanced indexing). Several indexed axes are
    /// merged into one (constant linear index) and gathered at once.
    /// </summary>
    public static Value?[] IndexingMultiAxisVec(MgeConversion cx)
    {
        var items = Items(cx);
        var x = cx.In(0);
        var rank = x.Shape.Rank;
        var next = 1;
        var indexed = new List<(int Axis, Value Index)>();
        foreach (var item in items)
        {
            if (item.Begin || item.End || item.Step || !item.Idx)
            {
                throw new MgeUnsupportedException("IndexingMultiAxisVec mixing slices with index arrays is not supported");
            }

            indexed.Add((ShapeMath.Axis(item.Axis, rank), cx.In(next++)));
        }

        indexed.Sort((a, b) => a.Axis.CompareTo(b.Axis));
        if (indexed.Count == 1)
        {
            return [cx.Apply(new Gather(indexed[0].Axis), x, indexed[0].Index)];
        }

        var first = indexed[0].Axis;
        if (indexed.Select((t, i) => t.Axis - i).Distinct().Count() != 1 || !x.Shape.IsStatic)
        {
            throw new MgeUnsupportedException("IndexingMultiAxisVec on non-adjacent axes or dynamic shapes is not supported");
        }

        var lists = indexed.Select(t => t.Index.Constant?.ToInt64s()
            ?? throw new MgeUnsupportedException("IndexingMultiAxisVec with several run-time index arrays is not supported")).ToArray();
        var length = lists.Max(l => l.Length);
        var linear = new long[length];
        for (var i = 0; i < length; i++)
        {
            long flat = 0;
            for (var k = 0; k < lists.Length; k++)
            {
                var dim = x.Shape[indexed[k].Axis];
                var idx = lists[k][lists[k].Length == 1 ? 0 : i];
                flat = (flat * dim) + (idx < 0 ? idx + dim : idx);
            }

            linear[i] = flat;
        }

        var dims = x.Shape.ToArray();
        var merged = dims.Take(first).Append(indexed.Aggregate(1L, (p, t) => p * dims[t.Axis])).Concat(dims.Skip(first + indexed.Count)).ToArray();
        var flatX = MgeConvOps.Reshaped(cx, x, merged);
        var index = cx.Constant(Tensor.FromInt32s(new Shape(length), [.. linear.Select(v => (int)v)]));
        return [cx.Apply(new Gather(first), flatX, index)];
    }

    /// <summary>out[..., 0, ...] = src[..., index[...], ...] along <c>axis</c>; the axis is kept with size 1.</summary>
    public static Value?[] IndexingOneHot(MgeConversion cx)
    {
        var axis = cx.Param<Axis>(OperatorParam.Axis).Axis_;
        var x = cx.In(0);
        var index = cx.Apply(new Unsqueeze([axis]), cx.In(1));
        return [cx.Apply(new GatherElements(axis), x, index)];
    }

    public static Value?[] Resize(MgeConversion cx)
    {
        var p = cx.Param<Fbs.Resize>(OperatorParam.Resize);
        if (p.Format != ConvolutionFormat.NCHW)
        {
            throw new MgeUnsupportedException($"Resize in format {p.Format} is not supported (only NCHW)");
        }

        var x = cx.In(0);
        var hw = cx.ConstInts(1, "resize output shape");
        long[] sizes = [x.Shape[0], x.Shape[1], hw[0], hw[1]];
        Op op = p.Imode switch
        {
            WarpPerspectiveV1InterpolationMode.NEAREST => new Ir.Ops.Resize(sizes, null, ResizeMode.Nearest, CoordinateTransform.Asymmetric, NearestRounding.Floor),
            WarpPerspectiveV1InterpolationMode.LINEAR => new Ir.Ops.Resize(sizes, null, ResizeMode.Linear, CoordinateTransform.HalfPixel),
            WarpPerspectiveV1InterpolationMode.CUBIC => new Ir.Ops.Resize(sizes, null, ResizeMode.Cubic, CoordinateTransform.HalfPixel),
            var m => throw new MgeUnsupportedException($"Resize interpolation {m} is not supported"),
        };
        return [cx.To(cx.Apply(op, cx.Float(x)), cx.OutputDType(x.DType))];
    }

    /// <summary>
    /// Only the pattern F.vision.interpolate(..., align_corners=True) dumps: a constant scale-only matrix
    /// mapping output to input pixels with scale (in−1)/(out−1) → a linear align-corners resize.
    /// </summary>
    public static Value?[] WarpPerspective(MgeConversion cx)
    {
        var p = cx.Param<Fbs.WarpPerspective>(OperatorParam.WarpPerspective);
        if (p.Format != ConvolutionFormat.NCHW || cx.InputCount != 3)
        {
            throw new MgeUnsupportedException("WarpPerspective is only supported as an NCHW resize (src, mat, out_shape)");
        }

        var x = cx.In(0);
        var mat = cx.In(1).Constant?.ToDoubles()
            ?? throw new MgeUnsupportedException("WarpPerspective with a run-time matrix is not supported");
        var hw = cx.ConstInts(2, "warp output shape");
        if (!x.Shape.IsStatic || mat.Length % 9 != 0)
        {
            throw new MgeUnsupportedException("WarpPerspective needs a static input and (N,3,3) matrices");
        }

        double Scale(long input, long output) => output > 1 ? (input - 1) / (double)(output - 1) : 0;
        double[] expected = [Scale(x.Shape[3], hw[1]), 0, 0, 0, Scale(x.Shape[2], hw[0]), 0, 0, 0, 1];
        for (var i = 0; i < mat.Length; i++)
        {
            if (Math.Abs(mat[i] - expected[i % 9]) > 1e-6 * Math.Max(1, Math.Abs(expected[i % 9])))
            {
                throw new MgeUnsupportedException("WarpPerspective with a general matrix is not supported (only the align-corners resize pattern)");
            }
        }

        var mode = p.Imode == WarpPerspectiveV1InterpolationMode.NEAREST ? ResizeMode.Nearest : ResizeMode.Linear;
        var op = new Ir.Ops.Resize([x.Shape[0], x.Shape[1], hw[0], hw[1]], null, mode, CoordinateTransform.AlignCorners);
        return [cx.To(cx.Apply(op, cx.Float(x)), cx.OutputDType(x.DType))];
    }

    public static Value?[] PassThrough(MgeConversion cx) => [cx.In(0)];

    /// <summary>Test-case models compare outputs with AssertEqual(expect, get, err); the model's value is <c>get</c>.</summary>
    public static Value?[] AssertEqual(MgeConversion cx) => [cx.In(1)];

    public static Value?[] Dropout(MgeConversion cx) => [cx.In(0), null];

    private static long Scalar(MgeConversion cx, int index, string what)
    {
        var values = cx.ConstInts(index, what);
        return values.Length == 1 ? values[0] : throw new MgeUnsupportedException($"{what} must be a single value, got {values.Length}");
    }

    private static List<(int Axis, bool Begin, bool End, bool Step, bool Idx)> Items(MgeConversion cx)
    {
        var p = cx.Param<IndexDescMaskDump>(OperatorParam.IndexDescMaskDump);
        var items = new List<(int, bool, bool, bool, bool)>();
        for (var i = 0; i < p.ItemsLength; i++)
        {
            var it = p.Items(i)!.Value;
            items.Add((it.Axis, it.Begin, it.End, it.Step, it.Idx));
        }

        return items;
    }
}
