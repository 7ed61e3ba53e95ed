using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using MgeConvert.Reference;

namespace MgeConvert.Formats.Onnx;

/// <summary>Import rules for constants and shape-manipulating operators (whose shape operands must be constant).</summary>
internal static class OnnxImportTensor
{
    public static Value[] Constant(OnnxNodeContext c)
    {
        Tensor data;
        if (c.Attribute("value") is { } value)
        {
            try
            {
                data = OnnxTensors.ToTensor(value.T);
            }
            catch (NotSupportedException e)
            {
                throw c.Unsupported(e.Message);
            }
        }
        else if (c.Has("value_float"))
        {
            data = Tensor.Scalar(c.Float("value_float", 0));
        }
        else if (c.Floats("value_floats") is { } floats)
        {
            data = Tensor.FromFloats(new Shape(floats.Length), floats);
        }
        else if (c.Has("value_int"))
        {
            data = Tensor.FromInt64s(Shape.Scalar, c.Int("value_int", 0));
        }
        else if (c.Ints("value_ints") is { } ints)
        {
            data = Tensor.Vector(ints);
        }
        else
        {
            throw c.Unsupported("only tensor, float(s) and int(s) constants are in the IR");
        }

        return c.ApplyConstant(data);
    }

    public static Value[] ConstantOfShape(OnnxNodeContext c)
    {
        var shape = new Shape(c.ConstInts(0) ?? throw c.Unsupported("shape missing"));
        Tensor fill;
        try
        {
            fill = c.Attribute("value") is { } value ? OnnxTensors.ToTensor(value.T) : Tensor.Scalar(0f);
        }
        catch (NotSupportedException e)
        {
            throw c.Unsupported(e.Message);
        }

        if (fill.ElementCount != 1)
        {
            throw c.Unsupported($"ConstantOfShape value must hold one element, it holds {fill.ElementCount}");
        }

        if (shape.ElementCount > ConstantEvaluator.DefaultMaxElements)
        {
            return c.Apply(new Expand(shape.ToArray()), c.Constant(new Tensor(fill.DType, Shape.Scalar, fill.Bytes)));
        }

        var element = fill.Bytes.ToArray();
        var bytes = new byte[checked(shape.ElementCount * element.Length)];
        for (var i = 0; i < bytes.Length; i += element.Length)
        {
            element.CopyTo(bytes, i);
        }

        return c.ApplyConstant(new Tensor(fill.DType, shape, bytes));
    }

    public static Value[] ShapeOf(OnnxNodeContext c)
    {
        var start = c.Int("start", 0);
        var end = c.Int("end", long.MaxValue);
        if (start == 0 && end == long.MaxValue)
        {
            return c.Apply(new ShapeOf(), c.In(0));
        }

        var shape = c.Temp(new ShapeOf(), c.In(0));
        return c.Apply(new Slice([start], [end], [0], [1]), shape);
    }

    public static Value[] Size(OnnxNodeContext c)
    {
        var shape = c.StaticShape(0, "Size");
        return c.ApplyConstant(Tensor.FromInt64s(Shape.Scalar, ShapeMath.Product(shape)));
    }

    public static Value[] Reshape(OnnxNodeContext c)
    {
        var target = c.Opset < 5 ? c.Ints("shape") : c.ConstInts(1);
        return c.Apply(new Reshape(target ?? throw c.Unsupported("shape missing"), c.Int("allowzero", 0) != 0), c.In(0));
    }

    public static Value[] Transpose(OnnxNodeContext c)
    {
        var perm = c.Ints("perm") ?? Enumerable.Range(0, c.Rank(0)).Reverse().Select(i => (long)i).ToArray();
        return c.Apply(new Transpose(perm), c.In(0));
    }

    /// <summary>An "axes" operand: an attribute before <paramref name="asInputSince"/>, input 1 from then on.</summary>
    public static long[]? Axes(OnnxNodeContext c, int asInputSince) => c.Opset >= asInputSince ? c.ConstInts(1) : c.Ints("axes");

    public static Value[] Split(OnnxNodeContext c)
    {
        var axis = ShapeMath.Axis(c.Int("axis", 0), c.Rank(0));
        var sizes = c.Opset >= 13 || (c.Opset < 2 && c.InputCount > 1) ? c.ConstInts(1) : c.Ints("split");
        if (sizes is null || sizes.Length == 0)
        {
            var length = c.In(0).Shape[axis];
            if (length < 0)
            {
                throw c.Unsupported("even split of an axis of unknown length");
            }

            var parts = c.Opset >= 18 && c.Has("num_outputs") ? c.Int("num_outputs", 1) : c.Node.Output.Count;
            var chunk = (length + parts - 1) / parts;
            if (c.Opset < 18 && length % parts != 0)
            {
                throw c.Unsupported($"axis of length {length} does not split evenly into {parts}");
            }

            sizes = [.. Enumerable.Range(0, (int)parts).Select(i => Math.Min(chunk, length - (i * chunk)))];
        }

        return c.Apply(new Split(axis, sizes), c.In(0));
    }

    public static Value[] Slice(OnnxNodeContext c)
    {
        long[] starts, ends;
        long[]? axes, steps = null;
        if (c.Opset < 10)
        {
            starts = c.Ints("starts") ?? throw c.Unsupported("starts missing");
            ends = c.Ints("ends") ?? throw c.Unsupported("ends missing");
            axes = c.Ints("axes");
        }
        else
        {
            starts = c.ConstInts(1) ?? throw c.Unsupported("starts missing");
            ends = c.ConstInts(2) ?? throw c.Unsupported("ends missing");
            axes = c.ConstInts(3);
            steps = c.ConstInts(4);
        }

        var rank = c.Rank(0);
        axes = axes is null ? [.. Enumerable.Range(0, starts.Length).Select(i => (long)i)] : [.. axes.Select(a => (long)ShapeMath.Axis(a, rank))];
        return c.Apply(new Slice(starts, ends, axes, steps ?? [.. starts.Select(_ => 1L)]), c.In(0));
    }

    public static Value[] Pad(OnnxNodeContext c)
    {
        var rank = c.Rank(0);
        var modeName = c.Str("mode", "constant");
        var mode = modeName switch
        {
            "constant" => PadMode.Constant,
            "reflect" => PadMode.Reflect,
            "edge" => PadMode.Edge,
            _ => throw c.Unsupported($"pad mode {modeName}"),
        };
        long[] pads;
        float value;
        if (c.Opset < 11)
        {
            pads = c.Ints("pads") ?? c.Ints("paddings") ?? throw c.Unsupported("pads missing");
            value = c.Float("value", 0f);
        }
        else
        {
            pads = c.ConstInts(1) ?? throw c.Unsupported("pads missing");
            value = c.Const(2) is { ElementCount: > 0 } v ? (float)v.ToDoubles()[0] : 0f;
            if (c.ConstInts(3) is { } axes)
            {
                var full = new long[2 * rank];
                for (var i = 0; i < axes.Length; i++)
                {
                    var a = ShapeMath.Axis(axes[i], rank);
                    full[a] = pads[i];
                    full[a + rank] = pads[i + axes.Length];
                }

                pads = full;
            }
        }

        return c.Apply(new Pad(pads, mode, value), c.In(0));
    }

    public static Value[] Resize(OnnxNodeContext c)
    {
        if (c.Opset < 11)
        {
            return Upsampling(c, c.ConstFloats(1) ?? throw c.Unsupported("scales missing"));
        }

        if (c.Int("antialias", 0) != 0 || c.Int("exclude_outside", 0) != 0)
        {
            throw c.Unsupported("antialiased resizing and exclude_outside are not in the IR");
        }

        if (c.Str("keep_aspect_ratio_policy", "stretch") != "stretch")
        {
            throw c.Unsupported("keep_aspect_ratio_policy other than stretch");
        }

        var mode = Mode(c, c.Str("mode", "nearest"));
        var coordinatesName = c.Str("coordinate_transformation_mode", "half_pixel");
        var coordinates = coordinatesName switch
        {
            "half_pixel" => CoordinateTransform.HalfPixel,
            "pytorch_half_pixel" => CoordinateTransform.PytorchHalfPixel,
            "align_corners" => CoordinateTransform.AlignCorners,
            "asymmetric" => CoordinateTransform.Asymmetric,
            "tf_half_pixel_for_nearest" => CoordinateTransform.TfHalfPixelForNearest,
            _ => throw c.Unsupported($"coordinate_transformation_mode {coordinatesName}"),
        };
        var roundingName = c.Str("nearest_mode", "round_prefer_floor");
        var rounding = roundingName switch
        {
            "round_prefer_floor" => NearestRounding.RoundPreferFloor,
            "round_prefer_ceil" => NearestRounding.RoundPreferCeil,
            "floor" => NearestRounding.Floor,
            "ceil" => NearestRounding.Ceil,
            _ => throw c.Unsupported($"nearest_mode {roundingName}"),
        };
        var x = c.StaticShape(0, "Resize");
        var axes = c.Ints("axes")?.Select(a => ShapeMath.Axis(a, x.Length)).ToArray() ?? [.. Enumerable.Range(0, x.Length)];
        var scales = c.Const(2) is { ElementCount: > 0 } s ? s.ToFloats() : null;
        var sizes = c.Const(3) is { ElementCount: > 0 } z ? z.ToInt64s() : null;
        var fullSizes = (long[])x.Clone();
        float[]? fullScales = null;
        if (sizes is not null)
        {
            for (var i = 0; i < axes.Length; i++)
            {
                fullSizes[axes[i]] = sizes[i];
            }
        }
        else if (scales is not null)
        {
            fullScales = [.. x.Select(_ => 1f)];
            for (var i = 0; i < axes.Length; i++)
            {
                fullScales[axes[i]] = scales[i];
                fullSizes[axes[i]] = ScaledSize(x[axes[i]], scales[i]);
            }
        }
        else
        {
            throw c.Unsupported("neither scales nor sizes given");
        }

        var op = new Resize(fullSizes, fullScales, mode, coordinates, rounding, c.Float("cubic_coeff_a", -0.75f));
        return c.Apply(op, c.In(0));
    }

    public static Value[] Upsample(OnnxNodeContext c) =>
        Upsampling(c, c.Opset < 9 ? c.Floats("scales") ?? throw c.Unsupported("scales missing") : c.ConstFloats(1) ?? throw c.Unsupported("scales missing"));

    /// <summary>Output length for a scale, as ONNX runtimes compute it (float product, truncated).</summary>
    public static long ScaledSize(long input, float scale) => (long)(scale * input);

    /// <summary>Upsample (opset 7–9) and Resize-10: asymmetric coordinates, nearest rounds down.</summary>
    private static Value[] Upsampling(OnnxNodeContext c, float[] scales)
    {
        var mode = Mode(c, c.Str("mode", "nearest"));
        if (mode == ResizeMode.Cubic)
        {
            throw c.Unsupported("cubic mode before opset 11");
        }

        if (scales.Any(s => s < 1) && mode == ResizeMode.Nearest)
        {
            throw c.Unsupported("nearest downsampling before opset 11 rounds differently");
        }

        var x = c.StaticShape(0, c.Node.OpType);
        var sizes = x.Select((d, i) => ScaledSize(d, scales[i])).ToArray();
        return c.Apply(new Resize(sizes, scales, mode, CoordinateTransform.Asymmetric, NearestRounding.Floor), c.In(0));
    }

    private static ResizeMode Mode(OnnxNodeContext c, string name) => name switch
    {
        "nearest" => ResizeMode.Nearest,
        "linear" or "bilinear" => ResizeMode.Linear,
        "cubic" => ResizeMode.Cubic,
        _ => throw c.Unsupported($"resize mode {name}"),
    };
}
