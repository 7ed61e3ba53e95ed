using MgeConvert.Formats.Pickle;
using MgeConvert.Ir.Ops;
using static MgeConvert.Formats.TracedModule.TmExportContext;

namespace MgeConvert.Formats.TracedModule;

/// <summary>Shape and data-movement ops as megengine.functional.tensor calls and Tensor indexing.</summary>
internal static class TmExportTensor
{
    /// <summary>Reshape, Flatten: reshape to the (static) output shape.</summary>
    public static void Reshape(TmExportContext c) =>
        c.Bind(c.Fn(TensorFns, "reshape", c.Out(), c.In(0), TmArg.List(c.OutShape())));

    public static void Transpose(TmExportContext c) =>
        c.Bind(c.Fn(TensorFns, "transpose", c.Out(), c.In(0), TmArg.Tuple(((Ir.Ops.Transpose)c.Op).Perm.Select(p => TmExportElementwise.Axis(p, c.InShape(0).Length)))));

    public static void Squeeze(TmExportContext c)
    {
        var shape = c.InShape(0);
        var axes = ((Ir.Ops.Squeeze)c.Op).Axes is { Length: > 0 } given
            ? given.Select(a => TmExportElementwise.Axis(a, shape.Length)).Order().ToArray()
            : [.. Enumerable.Range(0, shape.Length).Where(i => shape[i] == 1).Select(i => (long)i)];
        if (axes.Length == 0)
        {
            c.Bind(c.In(0));
            return;
        }

        c.Bind(c.Fn(TensorFns, "squeeze", c.Out(), c.In(0), axes.Length == 1 ? axes[0] : TmArg.Tuple(axes)));
    }

    public static void Unsqueeze(TmExportContext c)
    {
        var rank = c.OutShape().Length;
        var axes = ((Ir.Ops.Unsqueeze)c.Op).Axes.Select(a => TmExportElementwise.Axis(a, rank)).Order();
        c.Bind(c.Fn(TensorFns, "expand_dims", c.Out(), c.In(0), TmArg.List(axes)));
    }

    public static void Tile(TmExportContext c) =>
        c.Bind(c.Fn(TensorFns, "tile", c.Out(), c.In(0), TmArg.Tuple(((Ir.Ops.Tile)c.Op).Repeats)));

    public static void Expand(TmExportContext c) =>
        c.Bind(c.Fn(TensorFns, "broadcast_to", c.Out(), c.In(0), TmArg.Tuple(c.OutShape())));

    public static void Concat(TmExportContext c)
    {
        var rank = c.OutShape().Length;
        var items = c.Node.Inputs.Select((_, i) => (TmArg)c.In(i)).ToList();
        c.Bind(c.Fn(TensorFns, "concat", c.Out(), new TmSeq(TmPy.ListClass, items), TmExportElementwise.Axis(((Ir.Ops.Concat)c.Op).Axis, rank), TmArg.None));
    }

    /// <summary>split(x, cut points, axis) returns a tuple of parts.</summary>
    public static void Split(TmExportContext c)
    {
        var op = (Ir.Ops.Split)c.Op;
        var rank = c.InShape(0).Length;
        if (op.Sizes.Length == 1)
        {
            c.Bind(c.In(0));
            return;
        }

        var cuts = new List<long>();
        long sum = 0;
        foreach (var size in op.Sizes[..^1])
        {
            sum += size;
            cuts.Add(sum);
        }

        var outputs = c.W.Function(TensorFns, "split", [c.In(0), TmArg.List(cuts), TmExportElementwise.Axis(op.Axis, rank)],
            [.. c.Node.Outputs.Select((_, i) => c.Out(i))]);
        for (var i = 0; i < outputs.Length; i++)
        {
            c.Bind(outputs[i], i);
        }
    }

    /// <summary>Strided slices as x[start:stop:step, ...] with bounds clamped to the axis, as Python slicing reads them.</summary>
    public static void Slice(TmExportContext c)
    {
        var op = (Ir.Ops.Slice)c.Op;
        var shape = c.InShape(0);
        var items = Enumerable.Range(0, shape.Length).Select(_ => TmArg.Slice(null, null, null)).ToArray();
        var sliced = new bool[shape.Length];
        for (var i = 0; i < op.Axes.Length; i++)
        {
            var axis = (int)TmExportElementwise.Axis(op.Axes[i], shape.Length);
            var dim = shape[axis];
            var step = op.Steps.Length > i ? op.Steps[i] : 1;
            var start = Normalize(op.Starts[i], dim, step);
            var end = Normalize(op.Ends[i], dim, step);
            sliced[axis] = true;
            items[axis] = step > 0
                ? TmArg.Slice(start == 0 ? null : start, end >= dim ? null : end, step == 1 ? null : step)
                : TmArg.Slice(start >= dim - 1 ? null : start, end < 0 ? null : end, step);
        }

        var last = Array.LastIndexOf(sliced, true) + 1;
        if (last == 0)
        {
            c.Bind(c.In(0));
            return;
        }

        c.Bind(c.Method("__getitem__", c.Out(), c.In(0), new TmSeq(TmPy.TupleClass, items[..last])));
    }

    /// <summary>Gather along an axis: x[:, …, indices] with the indices flattened to 1-D, then reshaped.</summary>
    public static void Gather(TmExportContext c)
    {
        var op = (Ir.Ops.Gather)c.Op;
        var shape = c.InShape(0);
        var axis = (int)TmExportElementwise.Axis(op.Axis, shape.Length);
        var indexShape = c.InShape(1);
        var outShape = c.OutShape();
        var prefix = Enumerable.Range(0, axis).Select(_ => TmArg.Slice(null, null, null));
        if (c.Const(1) is { } k && indexShape.Length == 0)
        {
            var i = k.ToInt64s()[0];
            c.Bind(c.Method("__getitem__", c.Out(), c.In(0), new TmSeq(TmPy.TupleClass, [.. prefix, i < 0 ? i + shape[axis] : i])));
            return;
        }

        var count = indexShape.Aggregate(1L, (p, d) => p * d);
        var index = indexShape.Length == 1 ? c.In(1) : c.Method("reshape", Temp(Storage(c.InType(1).DType.Element), [count]), c.In(1), TmArg.List([count]));
        long[] flatOut = [.. shape[..axis], count, .. shape[(axis + 1)..]];
        var flat = indexShape.Length == 1;
        var y = c.Method("__getitem__", flat ? c.Out() : c.TempLike(flatOut), c.In(0), new TmSeq(TmPy.TupleClass, [.. prefix, index]));
        c.Bind(flat ? y : c.Method("reshape", c.Out(), y, TmArg.List(outShape)));
    }

    public static void GatherElements(TmExportContext c) =>
        c.Bind(c.Fn(TensorFns, "gather", c.Out(), c.In(0), TmExportElementwise.Axis(((Ir.Ops.GatherElements)c.Op).Axis, c.InShape(0).Length), c.In(1)));

    /// <summary>pad(x, ((before, after), …), mode, value); negative pads crop with a slice afterwards.</summary>
    public static void Pad(TmExportContext c)
    {
        var op = (Ir.Ops.Pad)c.Op;
        var shape = c.InShape(0);
        var rank = shape.Length;
        var mode = op.Mode switch
        {
            PadMode.Constant => "constant",
            PadMode.Reflect => "reflect",
            PadMode.Edge => "replicate",
            _ => throw Unsupported($"pad mode {op.Mode}"),
        };
        if (op.Pads.Any(p => p < 0))
        {
            throw Unsupported("negative padding");
        }

        var widths = Enumerable.Range(0, rank).Select(i => TmArg.Tuple([op.Pads[i], op.Pads[i + rank]])).ToList();
        c.Bind(c.Fn(Nn, "pad", c.Out(), c.In(0), new TmSeq(TmPy.TupleClass, widths), mode, (double)op.ConstantValue));
    }

    /// <summary>interpolate(x, size, scale_factor=None, mode, align_corners) for the resize modes MegEngine implements.</summary>
    public static void Resize(TmExportContext c)
    {
        var op = (Ir.Ops.Resize)c.Op;
        var shape = c.InShape(0);
        var outShape = c.OutShape();
        if (shape.Length != 4 || shape[0] != outShape[0] || shape[1] != outShape[1])
        {
            throw Unsupported("resize of other than the two spatial axes of an NCHW tensor");
        }

        (string Mode, TmArg Align) = op.Mode switch
        {
            ResizeMode.Nearest when op.Coordinates == CoordinateTransform.Asymmetric && op.Rounding == NearestRounding.Floor => ("nearest", TmArg.None),
            ResizeMode.Linear when op.Coordinates is CoordinateTransform.HalfPixel || (op.Coordinates == CoordinateTransform.PytorchHalfPixel && outShape[2] > 1 && outShape[3] > 1)
                => ("bilinear", false),
            ResizeMode.Linear when op.Coordinates is CoordinateTransform.AlignCorners => ("bilinear", true),
            _ => throw Unsupported($"resize {op.Mode} with {op.Coordinates} coordinates ({op.Rounding})"),
        };
        c.Bind(c.Fn(Vision, "interpolate", c.Out(), c.In(0), TmArg.List(outShape[2..]), TmArg.None, Mode, Align));
    }

    private static long Normalize(long v, long dim, long step)
    {
        if (v < 0)
        {
            v += dim;
        }

        return step > 0 ? System.Math.Clamp(v, 0, dim) : System.Math.Clamp(v, -1, dim - 1);
    }
}
