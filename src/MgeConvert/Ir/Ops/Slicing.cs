namespace MgeConvert.Ir.Ops;

/// <summary>Concatenates the inputs along an axis.</summary>
public sealed record Concat(long Axis) : Op
{
    public override int MaxInputs => int.MaxValue;

    public override TensorType[] InferTypes(InferenceContext context)
    {
        var first = context.Shape(0);
        var axis = ShapeMath.Axis(Axis, first.Rank);
        var dims = first.ToArray();
        for (var i = 1; i < context.Count; i++)
        {
            var s = context.Shape(i);
            if (s.Rank != first.Rank)
            {
                throw context.Error($"input {i} has shape {s}, input 0 {first}");
            }

            dims[axis] = dims[axis] < 0 || s[axis] < 0 ? -1 : dims[axis] + s[axis];
        }

        return [new TensorType(context.DType(0), new Shape(dims))];
    }
}

/// <summary>Splits along an axis into pieces of the given sizes (one output per size).</summary>
public sealed record Split(long Axis, long[] Sizes) : Op
{
    public override TensorType[] InferTypes(InferenceContext context)
    {
        var x = context.Shape(0);
        var axis = ShapeMath.Axis(Axis, x.Rank);
        if (x[axis] >= 0 && Sizes.Sum() != x[axis])
        {
            throw context.Error($"sizes [{string.Join(",", Sizes)}] do not add up to {x[axis]}");
        }

        return [.. Sizes.Select(s => new TensorType(context.DType(0), x.With(axis, s)))];
    }
}

/// <summary>Strided slice (ONNX Slice semantics: bounds clamped, negative indices from the end).</summary>
public sealed record Slice(long[] Starts, long[] Ends, long[] Axes, long[] Steps) : Op
{
    public override TensorType[] InferTypes(InferenceContext context)
    {
        var x = context.Shape(0);
        var dims = x.ToArray();
        for (var i = 0; i < Axes.Length; i++)
        {
            var axis = ShapeMath.Axis(Axes[i], x.Rank);
            dims[axis] = dims[axis] < 0 ? -1 : Length(dims[axis], Starts[i], Ends[i], Steps[i]);
        }

        return [new TensorType(context.DType(0), new Shape(dims))];
    }

    /// <summary>Number of elements selected along an axis of length <paramref name="dim"/>.</summary>
    public static long Length(long dim, long start, long end, long step) => Range(dim, start, end, step).Count;

    /// <summary>Clamped first index and element count, per the ONNX Slice rules.</summary>
    public static (long First, long Count) Range(long dim, long start, long end, long step)
    {
        if (step == 0)
        {
            throw new IrException("Slice: step 0");
        }

        start = start < 0 ? start + dim : start;
        end = end < 0 ? end + dim : end;
        if (step > 0)
        {
            start = Math.Clamp(start, 0, dim);
            end = Math.Clamp(end, 0, dim);
            return (start, end > start ? ((end - start - 1) / step) + 1 : 0);
        }

        start = Math.Clamp(start, -1, dim - 1);
        end = Math.Clamp(end, -1, dim - 1);
        return (start, start > end ? ((start - end - 1) / -step) + 1 : 0);
    }
}

/// <summary>Takes slices along an axis at the given indices (input 1, any integer type).</summary>
public sealed record Gather(long Axis) : Op
{
    public override int MinInputs => 2;

    public override TensorType[] InferTypes(InferenceContext context)
    {
        var x = context.Shape(0);
        var idx = context.Shape(1);
        var axis = ShapeMath.Axis(Axis, x.Rank);
        var dims = x.Take(axis).Concat(idx).Concat(x.Skip(axis + 1)).ToArray();
        return [new TensorType(context.DType(0), new Shape(dims))];
    }
}

/// <summary>out[..., i, ...] = x[..., index[..., i, ...], ...] along an axis (torch.gather).</summary>
public sealed record GatherElements(long Axis) : Op
{
    public override int MinInputs => 2;

    public override TensorType[] InferTypes(InferenceContext context) => [new TensorType(context.DType(0), context.Shape(1))];
}

public enum PadMode
{
    Constant,
    Reflect,
    Edge,
}

/// <summary>Pads every axis: Pads = begin pads of all axes then end pads (negative pads crop).</summary>
public sealed record Pad(long[] Pads, PadMode Mode = PadMode.Constant, float ConstantValue = 0f) : Op
{
    public override TensorType[] InferTypes(InferenceContext context)
    {
        var x = context.Shape(0);
        if (Pads.Length != 2 * x.Rank)
        {
            throw context.Error($"{Pads.Length} pads for rank {x.Rank}");
        }

        return [new TensorType(context.DType(0), new Shape(x.Select((d, i) => d < 0 ? -1 : d + Pads[i] + Pads[i + x.Rank]).ToArray()))];
    }
}

public enum ResizeMode
{
    Nearest,
    Linear,
    Cubic,
}

/// <summary>How output coordinates map to input coordinates (ONNX coordinate_transformation_mode).</summary>
public enum CoordinateTransform
{
    HalfPixel,
    PytorchHalfPixel,
    AlignCorners,
    Asymmetric,
    TfHalfPixelForNearest,
}

/// <summary>Rounding of nearest-neighbour source coordinates (ONNX nearest_mode).</summary>
public enum NearestRounding
{
    RoundPreferFloor,
    RoundPreferCeil,
    Floor,
    Ceil,
}

/// <summary>Resizes to <see cref="Sizes"/> (full output shape); <see cref="Scales"/> (per axis) when the source gave scales.</summary>
public sealed record Resize(long[] Sizes, float[]? Scales, ResizeMode Mode, CoordinateTransform Coordinates,
    NearestRounding Rounding = NearestRounding.RoundPreferFloor, float CubicCoefficient = -0.75f) : Op
{
    public override TensorType[] InferTypes(InferenceContext context)
    {
        if (Sizes.Length != context.Shape(0).Rank)
        {
            throw context.Error($"{Sizes.Length} sizes for input {context.Shape(0)}");
        }

        return [new TensorType(context.DType(0), new Shape(Sizes))];
    }
}
