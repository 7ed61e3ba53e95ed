using MgeConvert.Formats.Pickle;
using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Formats.TracedModule;

/// <summary>megengine.functional calls (positional arguments with defaults filled, as MegEngine records them).</summary>
internal static class TmFunctionOps
{
    private const string Nn = "megengine.functional.nn.";
    private const string El = "megengine.functional.elemwise.";
    private const string Ma = "megengine.functional.math.";
    private const string Te = "megengine.functional.tensor.";

    public static void Register(Dictionary<string, TmHandler> t)
    {
        Unary(t, UnaryFunction.Relu, Nn + "relu");
        Unary(t, UnaryFunction.Sigmoid, Nn + "sigmoid", El + "sigmoid");
        Unary(t, UnaryFunction.Silu, Nn + "silu");
        Unary(t, UnaryFunction.HardSwish, Nn + "hswish");
        Unary(t, UnaryFunction.Tanh, El + "tanh", Nn + "tanh");
        Unary(t, UnaryFunction.Exp, El + "exp");
        Unary(t, UnaryFunction.Log, El + "log");
        Unary(t, UnaryFunction.Abs, El + "abs");
        Unary(t, UnaryFunction.Floor, El + "floor");
        Unary(t, UnaryFunction.Ceil, El + "ceil");
        Unary(t, UnaryFunction.Sqrt, El + "sqrt");
        Unary(t, UnaryFunction.Neg, El + "neg");
        Unary(t, UnaryFunction.Round, El + "round");
        Unary(t, UnaryFunction.Erf, El + "erf");
        Binary(t, BinaryFunction.Max, El + "maximum");
        Binary(t, BinaryFunction.Min, El + "minimum");
        Binary(t, BinaryFunction.Pow, El + "pow");
        Binary(t, BinaryFunction.Add, El + "add");
        Binary(t, BinaryFunction.Sub, El + "sub");
        Binary(t, BinaryFunction.Mul, El + "mul");
        Binary(t, BinaryFunction.Div, El + "div");
        Binary(t, BinaryFunction.FloorDiv, El + "floor_div");

        t[Nn + "hsigmoid"] = c => [c.Emit(new HardSigmoid(1f / 6f, 0.5f), c.Tensor(0))];
        t[Nn + "relu6"] = c => [c.Emit(new Clip(0f, 6f), c.Tensor(0))];
        t[Nn + "gelu"] = c => [c.Emit(new Gelu(), c.Tensor(0))];
        t[Nn + "leaky_relu"] = c => [c.Emit(new LeakyRelu((float)c.Float(1, 0.01)), c.Tensor(0))];
        t[Nn + "softmax"] = c => [Softmax(c, c.Tensor(0), c.Arg(1))];
        t[Nn + "logsoftmax"] = c => [c.Emit(new LogSoftmax(c.Int(1, -1)), c.Tensor(0))];
        t[El + "clip"] = c => [c.Emit(new Clip(c.HasArg(1) ? (float)c.Float(1) : float.NegativeInfinity, c.HasArg(2) ? (float)c.Float(2) : float.PositiveInfinity), c.Tensor(0))];
        t[Nn + "max_pool2d"] = c => [TmModuleOps.Pool(c, PoolKind.Max, c.Arg(1), c.Arg(2), c.Arg(3), null)];
        t[Nn + "avg_pool2d"] = c => [TmModuleOps.Pool(c, PoolKind.Average, c.Arg(1), c.Arg(2), c.Arg(3), c.String(4))];
        t[Nn + "adaptive_avg_pool2d"] = c => [TmModuleOps.AdaptivePool(c, PoolKind.Average, c.Arg(1))];
        t[Nn + "adaptive_max_pool2d"] = c => [TmModuleOps.AdaptivePool(c, PoolKind.Max, c.Arg(1))];
        t[Nn + "pad"] = c => [Pad(c, c.Tensor(0), c.Arg(1), c.String(2), c.Arg(3))];
        t[Nn + "layer_norm"] = LayerNorm;
        t[Nn + "indexing_one_hot"] = IndexingOneHot;
        t[Nn + "linear"] = c => [TmLayers.Linear(c, c.Tensor(0), c.Tensor(1), c.HasArg(2) ? c.Tensor(2) : null)];
        t[Nn + "conv2d"] = Conv2d;
        t[Nn + "conv_transpose2d"] = ConvTranspose2d;
        t[Nn + "batch_norm"] = BatchNorm;
        t[Nn + "dropout"] = c => [c.Emit(new Identity(), c.Tensor(0))];
        t[Ma + "matmul"] = MatMul;
        Reduce(t, ReduceKind.Sum, Ma + "sum");
        Reduce(t, ReduceKind.Mean, Ma + "mean");
        Reduce(t, ReduceKind.Max, Ma + "max");
        Reduce(t, ReduceKind.Min, Ma + "min");
        Reduce(t, ReduceKind.Prod, Ma + "prod");
        t[Ma + "argmax"] = c => [ArgReduce(c, true)];
        t[Ma + "argmin"] = c => [ArgReduce(c, false)];
        t[Ma + "topk"] = TopK;
        t[Te + "concat"] = c => [c.Emit(new Concat(c.Int(1, 0)), [.. TmModuleOps.Tensors(c, c.Arg(0))])];
        t[Te + "flatten"] = ToOutputShape;
        t[Te + "reshape"] = ToOutputShape;
        t[Te + "broadcast_to"] = c => [c.Emit(new Expand(c.OutShape()), c.Tensor(0))];
        t[Te + "transpose"] = c => [c.Emit(new Transpose(c.Ints(1) ?? throw c.Error("transpose without a pattern")), c.Tensor(0))];
        t[Te + "squeeze"] = c => [c.Emit(new Squeeze(c.Ints(1) ?? []), c.Tensor(0))];
        t[Te + "expand_dims"] = c => [c.Emit(new Unsqueeze(c.Ints(1) ?? throw c.Error("expand_dims without axes")), c.Tensor(0))];
        t[Te + "repeat"] = Repeat;
        t[Te + "tile"] = Tile;
        t[Te + "split"] = Split;
        t[Te + "gather"] = c => [c.Emit(new GatherElements(c.Int(1)), c.Tensor(0), c.Tensor(2))];
        t[Te + "where"] = c =>
        {
            var mask = c.Tensor(0);
            var x = c.Tensor(1);
            var y = c.Tensor(2, x);
            (x, y) = c.Converter.Unify(x, y);
            return [c.Emit(new Where(), mask.DType.Element == ElementType.Bool ? mask : c.Converter.CastTo(mask, ElementType.Bool), x, y)];
        };
        t["megengine.functional.vision.interpolate"] = Interpolate;
    }

    public static Value Softmax(TmCall c, Value x, object? axisArg)
    {
        var rank = x.Shape.Rank;
        var axis = axisArg is null ? (rank is 0 or 1 or 3 ? 0 : 1) : c.Converter.AsLong(axisArg, null, c.Where);
        return c.Emit(new Softmax(axis), x);
    }

    public static Value Pad(TmCall c, Value x, object? padWidth, string? mode, object? constant)
    {
        var rank = x.Shape.Rank;
        var widths = padWidth is PyTuple or PyList ? ((IEnumerable<object?>)padWidth).ToList() : throw c.Error("pad_width must be a sequence of (before, after)");
        var pads = new long[2 * rank];
        for (var i = 0; i < widths.Count && i < rank; i++)
        {
            var pair = c.Converter.AsLongs(widths[i], c.Where) ?? [0, 0];
            pads[i] = pair[0];
            pads[i + rank] = pair.Length > 1 ? pair[1] : pair[0];
        }

        var padMode = (mode ?? "constant").ToLowerInvariant() switch
        {
            "constant" => PadMode.Constant,
            "reflect" => PadMode.Reflect,
            "replicate" or "edge" => PadMode.Edge,
            var m => throw c.Error($"pad mode {m} is not supported"),
        };
        PyValues.TryGetDouble(constant, out var value);
        return c.Emit(new Pad(pads, padMode, (float)value), x);
    }

    private static void Unary(Dictionary<string, TmHandler> t, UnaryFunction f, params string[] keys)
    {
        foreach (var k in keys)
        {
            t[k] = c => [c.Emit(new Unary(f), c.Tensor(0))];
        }
    }

    private static void Binary(Dictionary<string, TmHandler> t, BinaryFunction f, params string[] keys)
    {
        foreach (var k in keys)
        {
            t[k] = c =>
            {
                var first = c.Arg(0) as Value ?? c.Arg(1) as Value;
                return [c.Converter.Binary(f, c.Tensor(0, first), c.Tensor(1, first))];
            };
        }
    }

    private static void Reduce(Dictionary<string, TmHandler> t, ReduceKind kind, string key) =>
        t[key] = c => [ReduceCall(c, kind)];

    internal static Value ReduceCall(TmCall c, ReduceKind kind)
    {
        var x = c.Tensor(0);
        var axes = c.Ints(1) ?? [];
        var keep = c.Bool(2);
        return c.Emit(new Reduce(kind, axes, keep), x);
    }

    private static Value ArgReduce(TmCall c, bool isMax)
    {
        var x = c.Tensor(0);
        long axis;
        if (c.HasArg(1))
        {
            axis = c.Int(1);
        }
        else
        {
            x = c.Emit(new Reshape([-1]), x);
            axis = 0;
        }

        var y = c.Emit(new ArgReduce(isMax, axis, c.Bool(2)), x);
        return c.Converter.CastTo(y, ElementType.Int32);
    }

    private static Value[] TopK(TmCall c)
    {
        var x = c.Tensor(0);
        var k = c.Int(1);
        var descending = c.Bool(2);
        if (c.Bool(3))
        {
            throw c.Error("topk with kth_only is not supported");
        }

        var outputs = c.EmitMulti(new TopK(k, -1, descending, true), x);
        return [outputs[0], c.Converter.CastTo(outputs[1], ElementType.Int32)];
    }

    private static Value[] MatMul(TmCall c)
    {
        var a = c.Tensor(0);
        var b = c.Tensor(1);
        if (c.Bool(2))
        {
            a = SwapLast(c, a);
        }

        if (c.Bool(3))
        {
            b = SwapLast(c, b);
        }

        return [c.Emit(new MatMul(), a, b)];
    }

    private static Value SwapLast(TmCall c, Value v)
    {
        var rank = v.Shape.Rank;
        var perm = Enumerable.Range(0, rank).Select(i => (long)i).ToArray();
        (perm[rank - 1], perm[rank - 2]) = (perm[rank - 2], perm[rank - 1]);
        return c.Emit(new Transpose(perm), v);
    }

    private static Value[] ToOutputShape(TmCall c) => [c.Emit(new Reshape(c.OutShape()), c.Tensor(0))];

    private static Value[] Repeat(TmCall c)
    {
        var x = c.Tensor(0);
        var repeats = c.Int(1);
        if (!c.HasArg(2))
        {
            x = c.Emit(new Reshape([-1]), x);
        }

        var axis = c.HasArg(2) ? ShapeMath.Axis(c.Int(2), x.Shape.Rank) : 0;
        var expanded = c.Emit(new Unsqueeze([axis + 1]), x);
        var target = expanded.Shape.ToArray();
        target[axis + 1] = repeats;
        var broadcast = c.Emit(new Expand(target), expanded);
        return [c.Emit(new Reshape(c.OutShape()), broadcast)];
    }

    private static Value[] Tile(TmCall c)
    {
        var x = c.Tensor(0);
        var reps = c.Ints(1) ?? throw c.Error("tile without repetitions");
        if (reps.Length > x.Shape.Rank)
        {
            var dims = Enumerable.Repeat(1L, reps.Length - x.Shape.Rank).Concat(x.Shape).ToArray();
            x = c.Emit(new Reshape(dims), x);
        }
        else if (reps.Length < x.Shape.Rank)
        {
            reps = [.. Enumerable.Repeat(1L, x.Shape.Rank - reps.Length), .. reps];
        }

        return [c.Emit(new Tile(reps), x)];
    }

    private static Value[] Split(TmCall c)
    {
        var x = c.Tensor(0);
        var axis = ShapeMath.Axis(c.Int(2, 0), x.Shape.Rank);
        var length = x.Shape[axis];
        long[] sizes;
        if (c.Arg(1) is PyList or PyTuple)
        {
            var cuts = c.Ints(1)!;
            var bounds = cuts.Prepend(0).Append(length).ToArray();
            sizes = [.. bounds.Skip(1).Select((b, i) => b - bounds[i])];
        }
        else
        {
            var n = c.Int(1);
            var part = (length + n - 1) / n;
            sizes = [.. Enumerable.Range(0, (int)n).Select(i => Math.Min(part, length - (i * part)))];
        }

        return c.EmitMulti(new Split(axis, sizes), x);
    }

    private static Value[] LayerNorm(TmCall c)
    {
        var x = c.Tensor(0);
        var shape = c.Ints(1) ?? throw c.Error("layer_norm without normalized_shape");
        var affine = c.Bool(2);
        var w = affine && c.HasArg(3) ? c.Tensor(3) : null;
        var b = affine && c.HasArg(4) ? c.Tensor(4) : null;
        return [c.Emit(new LayerNorm(-shape.Length, (float)c.Float(5, 1e-5)), x, w, b)];
    }

    private static Value[] IndexingOneHot(TmCall c)
    {
        var x = c.Tensor(0);
        var index = c.Tensor(1);
        var axis = ShapeMath.Axis(c.Int(2, 1), x.Shape.Rank);
        var expandedIndex = c.Emit(new Unsqueeze([axis]), index);
        var gathered = c.Emit(new GatherElements(axis), x, expandedIndex);
        return [c.Bool(3) ? gathered : c.Emit(new Squeeze([axis]), gathered)];
    }

    private static Value[] Conv2d(TmCall c)
    {
        var x = c.Tensor(0);
        var weight = c.Tensor(1).Constant ?? throw c.Error("conv2d weight must be a constant");
        var bias = c.HasArg(2) ? c.Tensor(2).Constant ?? throw c.Error("conv2d bias must be a constant") : null;
        if (c.String(7) is { } mode && mode.ToUpperInvariant() != "CROSS_CORRELATION")
        {
            throw c.Error($"conv_mode {mode} is not supported");
        }

        var name = c.OutNode().Name;
        return [TmLayers.Conv(c, x, weight, bias, c.Spatial(c.Arg(3, 1L), 2, "stride"), c.Spatial(c.Arg(4, 0L), 2, "padding"),
            c.Spatial(c.Arg(5, 1L), 2, "dilation"), c.Int(6, 1), name + "_weight", name + "_bias", null)];
    }

    /// <summary>conv_transpose2d(inp, weight, bias, stride, padding, output_padding, dilation, groups, conv_mode, compute_mode).</summary>
    private static Value[] ConvTranspose2d(TmCall c)
    {
        var x = c.Tensor(0);
        var weight = c.Tensor(1).Constant ?? throw c.Error("conv_transpose2d weight must be a constant");
        var groups = c.Int(7, 1);
        if (weight.Shape.Rank == 5)
        {
            groups = weight.Shape[0];
            weight = TmFolding.Reshaped(weight, weight.Shape[0] * weight.Shape[1], weight.Shape[2], weight.Shape[3], weight.Shape[4]);
        }

        var bias = c.HasArg(2) ? c.Tensor(2).Constant ?? throw c.Error("conv_transpose2d bias must be a constant") : null;
        var name = c.Converter.Prefix + c.OutNode().Name;
        var w = c.B.Constant(name + "_weight", weight);
        var b = bias is null ? null : c.B.Constant(name + "_bias", TmFolding.Reshaped(bias, bias.ElementCount));
        var padding = c.Spatial(c.Arg(4, 0L), 2, "padding");
        var y = c.Emit(new ConvTranspose(c.Spatial(c.Arg(3, 1L), 2, "stride"), [padding[0], padding[1], padding[0], padding[1]],
            c.Spatial(c.Arg(6, 1L), 2, "dilation"), groups, c.Spatial(c.Arg(5, 0L), 2, "output_padding")), x, w, b);
        if (!y.Shape.ToArray().SequenceEqual(c.OutShape()))
        {
            throw c.Error($"computed shape {y.Shape} differs from the traced shape [{string.Join(",", c.OutShape())}]");
        }

        return [y];
    }

    /// <summary>Inference batch_norm(inp, running_mean, running_var, weight, bias, *, training, momentum, eps, ...).</summary>
    private static Value[] BatchNorm(TmCall c)
    {
        if (PyValues.IsTrue(c.Kwargs.Get("training")))
        {
            throw c.Error("batch_norm in training mode is not supported");
        }

        var x = c.Tensor(0);
        var mean = c.Tensor(1).Constant ?? throw c.Error("batch_norm running_mean must be a constant");
        var channels = mean.ElementCount;
        var name = c.Converter.Prefix + c.OutNode().Name;
        Value Param(int index, string suffix, float fallback) =>
            c.B.Constant(name + suffix, c.HasArg(index)
                ? TmFolding.Reshaped(c.Tensor(index).Constant ?? throw c.Error($"batch_norm argument {index} must be a constant"), channels)
                : Tensor.FromFloats(new Shape(channels), [.. Enumerable.Repeat(fallback, (int)channels)]));
        var eps = PyValues.TryGetDouble(c.Kwargs.Get("eps"), out var e) ? e : 1e-5;
        return [c.Emit(new BatchNorm((float)eps), x, Param(3, "_weight", 1f), Param(4, "_bias", 0f), Param(1, "_running_mean", 0f), Param(2, "_running_var", 1f))];
    }

    private static Value[] Interpolate(TmCall c)
    {
        var x = c.Tensor(0);
        var mode = (c.String(3) ?? "bilinear").ToLowerInvariant();
        var alignCorners = c.Bool(4);
        var sizes = c.OutShape();
        float[]? scales = null;
        if (!c.HasArg(1) && c.HasArg(2))
        {
            var s = c.Arg(2) is PyTuple or PyList ? ((IEnumerable<object?>)c.Arg(2)!).Select(v => PyValues.TryGetDouble(v, out var d) ? (float)d : 1f).ToArray()
                : [(float)c.Float(2), (float)c.Float(2)];
            scales = [1f, 1f, .. s];
        }

        var op = mode switch
        {
            "nearest" => new Resize(sizes, scales, ResizeMode.Nearest, CoordinateTransform.Asymmetric, NearestRounding.Floor),
            "bilinear" or "linear" => new Resize(sizes, scales, ResizeMode.Linear, alignCorners ? CoordinateTransform.AlignCorners : CoordinateTransform.HalfPixel),
            "bicubic" => new Resize(sizes, scales, ResizeMode.Cubic, alignCorners ? CoordinateTransform.AlignCorners : CoordinateTransform.HalfPixel),
            _ => throw c.Error($"interpolate mode {mode} is not supported"),
        };
        return [c.Emit(op, x)];
    }
}
