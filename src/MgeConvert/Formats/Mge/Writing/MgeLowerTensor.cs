using MgeConvert.Formats.Mge.Fbs;
using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Formats.Mge.Writing;

/// <summary>Shape and data-movement ops; every shape operand is resolved from the static IR shapes into Int32 constants.</summary>
internal static class MgeLowerTensor
{
    /// <summary>Reshape and Flatten: ReshapeV1 to the inferred output shape.</summary>
    public static MgeVar[] Reshape(MgeLowering cx) => [cx.Reshape(cx.In(0), cx.OutShape())];

    public static MgeVar[] Transpose(MgeLowering cx)
    {
        var x = cx.In(0);
        var perm = ((Transpose)cx.Current.Op).Perm.Select(p => cx.Axis(p, x.Shape.Rank)).ToArray();
        return [cx.Dimshuffle(x, perm)];
    }

    public static MgeVar[] Squeeze(MgeLowering cx)
    {
        var x = cx.In(0);
        var axes = ((Squeeze)cx.Current.Op).Axes;
        IEnumerable<int> chosen = axes.Length == 0
            ? Enumerable.Range(0, x.Shape.Rank).Where(i => x.Shape[i] == 1)
            : axes.Select(a => cx.Axis(a, x.Shape.Rank));
        return [Shaped(cx, cx.RemoveAxes(x, chosen))];
    }

    public static MgeVar[] Unsqueeze(MgeLowering cx)
    {
        var x = cx.In(0);
        var rank = cx.OutShape().Rank;
        return [Shaped(cx, cx.AddAxes(x, ((Unsqueeze)cx.Current.Op).Axes.Select(a => cx.Axis(a, rank))))];
    }

    /// <summary>Rank changes of scalars: MegEngine has no 0-d vars, so a removed last axis keeps shape [1]; the IR shape is kept for the lowering.</summary>
    private static MgeVar Shaped(MgeLowering cx, MgeVar v) => v with { Shape = cx.OutShape() };

    /// <summary>tile(x, r) = reshape(broadcast(reshape(x, (1, d0, 1, d1, …)), (r0, d0, r1, d1, …)), (r0·d0, r1·d1, …)).</summary>
    public static MgeVar[] Tile(MgeLowering cx)
    {
        var x = cx.In(0);
        var repeats = ((Tile)cx.Current.Op).Repeats;
        var dims = x.Shape.ToArray();
        var spread = dims.SelectMany(d => new[] { 1L, d }).ToArray();
        var target = dims.SelectMany((d, i) => new[] { repeats[i], d }).ToArray();
        var y = cx.Broadcast(cx.Aligned(x, new Shape(spread)), new Shape(target));
        return [cx.Reshape(y, cx.OutShape())];
    }

    public static MgeVar[] Expand(MgeLowering cx) => [cx.Broadcast(cx.In(0), cx.OutShape())];

    /// <summary>Static shapes only: the shape is a constant.</summary>
    public static MgeVar[] ShapeOf(MgeLowering cx)
    {
        var shape = MgeLowering.Static(cx.InValue(0).Shape, "ShapeOf input");
        return [cx.ConstInts(shape.ToArray())];
    }

    public static MgeVar[] Concat(MgeLowering cx)
    {
        var inputs = Enumerable.Range(0, cx.Current.Inputs.Count).Where(cx.HasInput).Select(cx.In).ToList();
        var rank = inputs[0].Shape.Rank;
        var axis = cx.Axis(((Ir.Ops.Concat)cx.Current.Op).Axis, rank);
        var dtype = inputs[0].DType;
        inputs = [.. inputs.Where(v => v.Shape[axis] != 0).Select(v => cx.TypeCvt(v, dtype))];
        return [inputs.Count == 1 ? inputs[0] : cx.Concat(inputs, axis)];
    }

    /// <summary>Split as one Subtensor slice per part (the form MegEngine dumps in every container).</summary>
    public static MgeVar[] Split(MgeLowering cx)
    {
        var op = (Ir.Ops.Split)cx.Current.Op;
        var x = cx.In(0);
        var axis = cx.Axis(op.Axis, x.Shape.Rank);
        var outputs = new List<MgeVar>();
        long start = 0;
        for (var i = 0; i < cx.Current.Outputs.Count; i++)
        {
            var size = cx.OutShape(i)[axis];
            outputs.Add(cx.Slice(x, [(axis, start, start + size, 1)], x.Shape.With(axis, size)));
            start += size;
        }

        return [.. outputs];
    }

    public static MgeVar[] Slice(MgeLowering cx)
    {
        var op = (Ir.Ops.Slice)cx.Current.Op;
        var x = cx.In(0);
        var shape = MgeLowering.Static(x.Shape, "Slice input");
        var slices = new List<(int, long?, long?, long)>();
        for (var i = 0; i < op.Axes.Length; i++)
        {
            var axis = cx.Axis(op.Axes[i], shape.Rank);
            var dim = shape[axis];
            var step = op.Steps[i];
            var (first, count) = Ir.Ops.Slice.Range(dim, op.Starts[i], op.Ends[i], step);
            if (count == 0)
            {
                throw new MgeWriteUnsupportedException("an empty slice has no MegEngine form");
            }

            if (step == 1 && first == 0 && count == dim)
            {
                continue;
            }

            var last = first + ((count - 1) * step);
            long? end = step > 0 ? last + 1 : last - 1 >= 0 ? last - 1 : null;
            slices.Add((axis, first, end, step));
        }

        return [cx.Slice(x, slices, cx.OutShape())];
    }

    /// <summary>Gather: a constant scalar index is a Subtensor index; index arrays use IndexingMultiAxisVec on a flattened index.</summary>
    public static MgeVar[] Gather(MgeLowering cx)
    {
        var x = cx.In(0);
        var indexValue = cx.InValue(1);
        var axis = cx.Axis(((Gather)cx.Current.Op).Axis, x.Shape.Rank);
        var dim = x.Shape[axis];
        if (indexValue.Constant is { } t)
        {
            var values = t.ToInt64s().Select(v => v < 0 ? v + dim : v).ToArray();
            if (t.Shape.Rank == 0)
            {
                return [Shaped(cx, cx.Take(x, axis, values[0]))];
            }

            var flat = cx.ConstInts(values);
            return [cx.Reshape(IndexAxis(cx, x, axis, flat), cx.OutShape())];
        }

        var index = cx.In(1);
        if (index.DType != MgeLowering.Int32Type)
        {
            index = cx.TypeCvt(index, MgeLowering.Int32Type);
        }

        var vector = cx.Reshape(index, new Shape(index.Shape.ElementCount));
        return [cx.Reshape(IndexAxis(cx, x, axis, vector), cx.OutShape())];
    }

    private static MgeVar IndexAxis(MgeLowering cx, MgeVar x, int axis, MgeVar index) =>
        cx.Emit("IndexingMultiAxisVec", [MgeWriteParams.IndexDescMaskDump([(axis, false, false, false, true)])], [x, index],
            x.Shape.With(axis, index.Shape[0]), x.DType);

    /// <summary>Only the one-per-position form (index of size 1 along the axis) maps to IndexingOneHot.</summary>
    public static MgeVar[] GatherElements(MgeLowering cx)
    {
        var x = cx.In(0);
        var index = cx.In(1);
        var axis = cx.Axis(((GatherElements)cx.Current.Op).Axis, x.Shape.Rank);
        var expected = x.Shape.With(axis, 1);
        if (!index.Shape.Equals(expected))
        {
            throw new MgeWriteUnsupportedException($"GatherElements with index shape {index.Shape} (only {expected}, i.e. IndexingOneHot)");
        }

        var flat = cx.TypeCvt(cx.RemoveAxes(index, [axis]), MgeLowering.Int32Type);
        return [cx.Emit("IndexingOneHot", MgeWriteParams.Axis(axis), expected, x.DType, x, flat)];
    }

    public static MgeVar[] Pad(MgeLowering cx)
    {
        var op = (Pad)cx.Current.Op;
        var x = cx.In(0);
        var rank = x.Shape.Rank;
        var mode = op.Mode switch
        {
            PadMode.Constant => PaddingPaddingMode.CONSTANT,
            PadMode.Reflect => PaddingPaddingMode.REFLECT,
            _ => PaddingPaddingMode.REPLICATE,
        };
        var front = op.Pads[..rank];
        var back = op.Pads[rank..];
        if (front.Concat(back).Any(p => p < 0))
        {
            var crop = Enumerable.Range(0, rank).Where(i => front[i] < 0 || back[i] < 0)
                .Select(i => (i, (long?)Math.Max(0, -front[i]), (long?)(x.Shape[i] - Math.Max(0, -back[i])), 1L)).ToList();
            var croppedShape = new Shape([.. x.Shape.Select((d, i) => d - Math.Max(0, -front[i]) - Math.Max(0, -back[i]))]);
            x = cx.Slice(x, crop, croppedShape);
            front = [.. front.Select(p => Math.Max(0, p))];
            back = [.. back.Select(p => Math.Max(0, p))];
        }

        return [cx.Padding(x, front, back, mode, op.ConstantValue)];
    }

    /// <summary>
    /// ResizeV2 (NCHW) for what MegEngine computes: linear with half-pixel centers, nearest with asymmetric floor;
    /// align-corners linear is the WarpPerspective pattern F.vision.interpolate dumps.
    /// </summary>
    public static MgeVar[] Resize(MgeLowering cx)
    {
        var op = (Ir.Ops.Resize)cx.Current.Op;
        var x = cx.In(0);
        var outShape = cx.OutShape();
        if (x.Shape.Rank != 4 || outShape[0] != x.Shape[0] || outShape[1] != x.Shape[1])
        {
            throw new MgeWriteUnsupportedException("Resize is supported on the spatial axes of NCHW tensors only");
        }

        var hw = cx.ConstInts(outShape[2], outShape[3]);
        var halfPixel = op.Coordinates == CoordinateTransform.HalfPixel
            || (op.Coordinates == CoordinateTransform.PytorchHalfPixel && outShape[2] > 1 && outShape[3] > 1);
        if (op.Mode == ResizeMode.Linear && halfPixel)
        {
            return [cx.Emit("ResizeForward", MgeWriteParams.Resize(WarpPerspectiveV1InterpolationMode.LINEAR), outShape, x.DType, x, hw)];
        }

        if (op.Mode == ResizeMode.Nearest && op.Coordinates == CoordinateTransform.Asymmetric && op.Rounding == NearestRounding.Floor)
        {
            return [cx.Emit("ResizeForward", MgeWriteParams.Resize(WarpPerspectiveV1InterpolationMode.NEAREST), outShape, x.DType, x, hw)];
        }

        if (op.Mode == ResizeMode.Linear && op.Coordinates == CoordinateTransform.AlignCorners)
        {
            static float Scale(long input, long output) => output > 1 ? (input - 1) / (float)(output - 1) : 0;
            float[] one = [Scale(x.Shape[3], outShape[3]), 0, 0, 0, Scale(x.Shape[2], outShape[2]), 0, 0, 0, 1];
            var mat = cx.Const(Tensor.FromFloats(new Shape(x.Shape[0], 3, 3), [.. Enumerable.Range(0, (int)x.Shape[0]).SelectMany(_ => one)]));
            return [cx.Emit("WarpPerspectiveForward", [MgeWriteParams.WarpPerspective(WarpPerspectiveV1InterpolationMode.LINEAR)], [x, mat, hw], outShape, x.DType)];
        }

        throw new MgeWriteUnsupportedException($"Resize {op.Mode} with {op.Coordinates} coordinates{(op.Mode == ResizeMode.Nearest ? $" and {op.Rounding} rounding" : "")} has no MegEngine form");
    }
}
