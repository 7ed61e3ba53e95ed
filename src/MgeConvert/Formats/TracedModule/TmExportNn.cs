using MgeConvert.Formats.Pickle;
using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using static MgeConvert.Formats.TracedModule.TmExportContext;

namespace MgeConvert.Formats.TracedModule;

/// <summary>
/// Layers: convolutions, linear layers and batch norms become builtin modules holding their parameters
/// (Conv2d, ConvTranspose2d, Linear, BatchNorm2d); 1-D forms run as 2-D over an inserted axis.
/// </summary>
internal static class TmExportNn
{
    public static void Conv(TmExportContext c)
    {
        var op = (Ir.Ops.Conv)c.Op;
        var weight = Stored(c.Const(1) ?? throw Unsupported("convolution weights must be constant"));
        var bias = c.Const(2) is { } b ? Stored(b) : c.Has(2) ? throw Unsupported("convolution bias must be constant") : null;
        var xShape = c.InShape(0);
        var x = c.In(0);
        long[] strides = op.Strides, dilations = op.Dilations, begin = op.Pads[..op.SpatialRank], end = op.Pads[op.SpatialRank..];
        if (op.SpatialRank == 1)
        {
            x = c.Method("reshape", c.TempLike([xShape[0], xShape[1], 1, xShape[2]]), x, TmArg.List([xShape[0], xShape[1], 1, xShape[2]]));
            xShape = [xShape[0], xShape[1], 1, xShape[2]];
            weight = weight.Reshape(new Shape(weight.Shape[0], weight.Shape[1], 1, weight.Shape[2]));
            (strides, dilations, begin, end) = ([1, strides[0]], [1, dilations[0]], [0, begin[0]], [0, end[0]]);
        }
        else if (op.SpatialRank != 2)
        {
            throw Unsupported($"{op.SpatialRank}-D convolution");
        }

        (x, var padding) = SymmetricPads(c, x, xShape, begin, end, 0.0);
        var y4 = ConvOutput(c, op.SpatialRank == 1, op.Activation);
        var state = TmModuleStates.Conv2d(c.W.Tensors, weight, bias, op.Group, strides, padding, dilations);
        var y = TmExportQuant.Layer(c, "conv", "megengine.module.conv", TmExportQuant.QatConv, "Conv2d", state, [x], y4);
        c.Bind(Finish(c, y, op.SpatialRank == 1, op.Activation));
    }

    /// <summary>
    /// ConvTranspose2d module (1-D over an inserted axis); asymmetric padding runs with the smaller pad on both
    /// sides and crops the rest of the output.
    /// </summary>
    public static void ConvTranspose(TmExportContext c)
    {
        var op = (Ir.Ops.ConvTranspose)c.Op;
        var rank = op.SpatialRank;
        if (rank is not (1 or 2))
        {
            throw Unsupported($"{rank}-D transposed convolution (MegEngine ConvTranspose2d is 2-D)");
        }

        var weight = Stored(c.Const(1) ?? throw Unsupported("transposed convolution weights must be constant"));
        var bias = c.Const(2) is { } b ? Stored(b) : c.Has(2) ? throw Unsupported("transposed convolution bias must be constant") : null;
        long[] strides = op.Strides, dilations = op.Dilations, begin = op.Pads[..rank], end = op.Pads[rank..], outputPadding = op.OutputPadding ?? new long[rank];
        var x = c.In(0);
        var outShape = c.OutShape();
        if (rank == 1)
        {
            var s = c.InShape(0);
            long[] view = [s[0], s[1], 1, s[2]];
            x = c.Method("reshape", c.TempLike(view), x, TmArg.List(view));
            weight = weight.Reshape(new Shape(weight.Shape[0], weight.Shape[1], 1, weight.Shape[2]));
            (strides, dilations, begin, end, outputPadding) = ([1, strides[0]], [1, dilations[0]], [0, begin[0]], [0, end[0]], [0, outputPadding[0]]);
        }

        var common = begin.Zip(end, System.Math.Min).ToArray();
        long[] out4 = rank == 1 ? [outShape[0], outShape[1], 1, outShape[2]] : outShape;
        long[] full = [out4[0], out4[1], .. out4[2..].Select((d, i) => d + begin[i] + end[i] - (2 * common[i]))];
        var cropped = !begin.SequenceEqual(end);
        var direct = !cropped && rank == 2;
        var state = TmModuleStates.ConvTranspose2d(c.W.Tensors, weight, bias, op.Group, strides, common, dilations, outputPadding);
        var y = TmExportQuant.Layer(c, "deconv", "megengine.module.conv", TmExportQuant.QatConv, "ConvTranspose2d", state, [x], direct ? c.PreActivation(op.Activation) : c.TempLike(full));
        if (cropped)
        {
            var items = new List<TmArg> { TmArg.Slice(null, null, null), TmArg.Slice(null, null, null) };
            items.AddRange(Enumerable.Range(0, 2).Select(i => TmArg.Slice(begin[i] - common[i], begin[i] - common[i] + out4[i + 2], null)));
            y = c.Method("__getitem__", rank == 2 ? c.PreActivation(op.Activation) : c.TempLike(out4), y, new TmSeq(TmPy.TupleClass, items));
        }

        if (rank == 1)
        {
            y = c.Method("reshape", c.PreActivation(op.Activation), y, TmArg.List(outShape));
        }

        c.Bind(c.Activate(y, op.Activation, c.Out()));
    }

    /// <summary>Gemm with a constant transposed B, unit alpha/beta and a 1-D (or no) constant C is a Linear module; otherwise matmul + scaling.</summary>
    public static void Gemm(TmExportContext c)
    {
        var op = (Ir.Ops.Gemm)c.Op;
        var cShape = c.Has(2) ? c.InShape(2) : null;
        if (!op.TransA && op.Alpha == 1f && (!c.Has(2) || (op.Beta == 1f && c.Const(2) is not null && cShape!.Length <= 1)) && c.Const(1) is { } w)
        {
            var weight = Stored(op.TransB ? w : Transposed(w));
            var bias = c.Const(2) is { } bc ? Stored(BroadcastVector(bc, weight.Shape[0])) : null;
            var state = TmModuleStates.Linear(c.W.Tensors, weight, bias);
            var y = TmExportQuant.Layer(c, "linear", "megengine.module.linear", TmExportQuant.QatLinear, "Linear", state, [c.In(0)], c.PreActivation(op.Activation));
            c.Bind(c.Activate(y, op.Activation, c.Out()));
            return;
        }

        var shape = c.OutShape();
        var needsMore = op.Alpha != 1f || c.Has(2) || op.Activation != FusedActivation.None;
        var product = c.Fn(MathFns, "matmul", needsMore ? c.TempLike(shape) : c.Out(), c.In(0), c.In(1), op.TransA, op.TransB, "default");
        var last = !c.Has(2) && op.Activation == FusedActivation.None;
        if (op.Alpha != 1f)
        {
            product = c.Method("__mul__", last ? c.Out() : c.TempLike(shape), product, (double)op.Alpha);
        }

        if (c.Has(2))
        {
            PyObject addend = op.Beta == 1f ? c.In(2) : c.Method("__mul__", c.TempLike(c.InShape(2)), c.In(2), (double)op.Beta);
            product = c.Method("__add__", c.PreActivation(op.Activation), product, addend);
        }

        c.Bind(c.Activate(product, op.Activation, c.Out()));
    }

    public static void MatMul(TmExportContext c) =>
        c.Bind(c.Fn(MathFns, "matmul", c.Out(), c.In(0), c.In(1), false, false, "default"));

    /// <summary>Inference batch norm as a BatchNorm2d module; other ranks run on a (N, C, H·…, W) view.</summary>
    public static void BatchNorm(TmExportContext c)
    {
        var op = (Ir.Ops.BatchNorm)c.Op;
        Tensor Param(int i, string what) => Stored(c.Const(i) ?? throw Unsupported($"batch norm {what} must be constant"));
        var state = TmModuleStates.BatchNorm2d(c.W.Tensors, Param(1, "scale"), Param(2, "bias"), Param(3, "mean"), Param(4, "variance"), op.Epsilon);
        var shape = c.InShape(0);
        long[] view = shape.Length switch
        {
            2 => [shape[0], shape[1], 1, 1],
            3 => [shape[0], shape[1], shape[2], 1],
            4 => shape,
            > 4 => [shape[0], shape[1], shape[2..^1].Aggregate(1L, (p, d) => p * d), shape[^1]],
            _ => throw Unsupported($"batch norm of a rank-{shape.Length} input"),
        };
        var reshape = shape.Length != 4;
        var x = reshape ? c.Method("reshape", c.TempLike(view), c.In(0), TmArg.List(view)) : c.In(0);
        var y = c.W.ModuleCall("bn", "megengine.module.batchnorm", "BatchNorm2d", state, [x], reshape ? c.TempLike(view) : c.Out());
        c.Bind(reshape ? c.Method("reshape", c.Out(), y, TmArg.List(shape)) : y);
    }

    /// <summary>layer_norm(x, normalized_shape, affine, weight, bias, eps) over the trailing axes from Axis.</summary>
    public static void LayerNorm(TmExportContext c)
    {
        var op = (Ir.Ops.LayerNorm)c.Op;
        var shape = c.InShape(0);
        var axis = TmExportElementwise.Axis(op.Axis, shape.Length);
        var normalized = shape[(int)axis..];
        TmArg weight = TmArg.None, bias = TmArg.None;
        var affine = c.Has(1) || c.Has(2);
        if (affine)
        {
            weight = c.Has(1) ? Reshaped(c, 1, normalized) : c.NewConstant(Filled(normalized, 1f));
            bias = c.Has(2) ? Reshaped(c, 2, normalized) : c.NewConstant(Filled(normalized, 0f));
        }

        c.Bind(c.Fn(Nn, "layer_norm", c.Out(), c.In(0), TmArg.Tuple(normalized), affine, weight, bias, (double)op.Epsilon));
    }

    /// <summary>(x − mean) / sqrt(var + eps) · scale + bias over the spatial axes, per sample and channel.</summary>
    public static void InstanceNorm(TmExportContext c)
    {
        var op = (Ir.Ops.InstanceNorm)c.Op;
        var shape = c.InShape(0);
        var axes = Enumerable.Range(2, shape.Length - 2).Select(i => (long)i).ToArray();
        long[] reduced = [.. shape.Select((d, i) => i >= 2 ? 1 : d)];
        long[] channel = [1, shape[1], .. Enumerable.Repeat(1L, shape.Length - 2)];
        var x = c.In(0);
        var mean = c.Fn(MathFns, "mean", c.TempLike(reduced), x, TmArg.Tuple(axes), true);
        var centered = c.Method("__sub__", c.TempLike(shape), x, mean);
        var squared = c.Method("__mul__", c.TempLike(shape), centered, centered);
        var variance = c.Fn(MathFns, "mean", c.TempLike(reduced), squared, TmArg.Tuple(axes), true);
        var shifted = c.Method("__add__", c.TempLike(reduced), variance, (double)op.Epsilon);
        var std = c.Fn(Elemwise, "sqrt", c.TempLike(reduced), shifted);
        var normalized = c.Method("__truediv__", c.TempLike(shape), centered, std);
        var scaled = c.Method("__mul__", c.TempLike(shape), normalized, Reshaped(c, 1, channel));
        c.Bind(c.Method("__add__", c.Out(), scaled, Reshaped(c, 2, channel)));
    }

    /// <summary>Pads the spatial axes explicitly where begin and end differ; returns the symmetric remainder.</summary>
    internal static (PyObject X, long[] Padding) SymmetricPads(TmExportContext c, PyObject x, long[] shape, long[] begin, long[] end, double value)
    {
        if (begin.SequenceEqual(end))
        {
            return (x, begin);
        }

        var common = begin.Zip(end, System.Math.Min).ToArray();
        var spatial = begin.Length;
        var widths = new List<TmArg>();
        var padded = (long[])shape.Clone();
        for (var i = 0; i < shape.Length; i++)
        {
            var s = i - (shape.Length - spatial);
            var (before, after) = s >= 0 ? (begin[s] - common[s], end[s] - common[s]) : (0L, 0L);
            padded[i] += before + after;
            widths.Add(TmArg.Tuple([before, after]));
        }

        var y = c.Fn(Nn, "pad", c.TempLike(padded), x, new TmSeq(TmPy.TupleClass, widths), "constant", value);
        return (y, common);
    }

    private static TmOut ConvOutput(TmExportContext c, bool oneD, FusedActivation activation)
    {
        if (!oneD)
        {
            return c.PreActivation(activation);
        }

        var o = c.OutShape();
        return c.TempLike([o[0], o[1], 1, o[2]]);
    }

    private static PyObject Finish(TmExportContext c, PyObject y, bool oneD, FusedActivation activation)
    {
        if (oneD)
        {
            y = c.Method("reshape", c.PreActivation(activation), y, TmArg.List(c.OutShape()));
        }

        return c.Activate(y, activation, c.Out());
    }

    private static PyObject Reshaped(TmExportContext c, int input, long[] shape)
    {
        if (c.Const(input) is { } k)
        {
            return c.NewConstant(k.Reshape(new Shape(shape)));
        }

        return c.InShape(input).SequenceEqual(shape) ? c.In(input) : c.Method("reshape", c.TempLike(shape), c.In(input), TmArg.List(shape));
    }

    private static Tensor Filled(long[] shape, float v) =>
        Tensor.FromFloats(new Shape(shape), [.. Enumerable.Repeat(v, (int)shape.Aggregate(1L, (p, d) => p * d))]);

    private static Tensor Transposed(Tensor w)
    {
        var (rows, cols) = ((int)w.Shape[0], (int)w.Shape[1]);
        var size = w.DType.Element.SizeOf();
        var src = w.Bytes.Span;
        var dst = new byte[src.Length];
        for (var r = 0; r < rows; r++)
        {
            for (var k = 0; k < cols; k++)
            {
                src.Slice(((r * cols) + k) * size, size).CopyTo(dst.AsSpan(((k * rows) + r) * size, size));
            }
        }

        return new Tensor(w.DType, new Shape(cols, rows), dst);
    }

    private static Tensor BroadcastVector(Tensor v, long length)
    {
        if (v.ElementCount == length)
        {
            return v.Reshape(new Shape(length));
        }

        var value = v.ToDoubles()[0];
        return Tensor.FromFloats(new Shape(length), [.. Enumerable.Repeat((float)value, (int)length)]);
    }
}
