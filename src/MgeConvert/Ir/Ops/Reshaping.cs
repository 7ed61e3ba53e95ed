namespace MgeConvert.Ir.Ops;

/// <summary>Reshape to <see cref="TargetShape"/>: one -1 is inferred, 0 copies the input dim (unless AllowZero).</summary>
public sealed record Reshape(long[] TargetShape, bool AllowZero = false) : Op
{
    public override TensorType[] InferTypes(InferenceContext context)
    {
        var x = context.Shape(0);
        return [new TensorType(context.DType(0), Resolve(x, TargetShape, AllowZero, context))];
    }

    internal static Shape Resolve(Shape x, long[] target, bool allowZero, InferenceContext context)
    {
        var dims = (long[])target.Clone();
        var inferred = -1;
        for (var i = 0; i < dims.Length; i++)
        {
            if (dims[i] == 0 && !allowZero)
            {
                dims[i] = x.HasRank && i < x.Rank ? x[i] : throw context.Error($"0 at axis {i} has no input dim to copy");
            }
            else if (dims[i] == -1)
            {
                inferred = inferred < 0 ? i : throw context.Error("more than one -1 in the target shape");
            }
        }

        if (inferred >= 0)
        {
            var total = x.HasRank ? ShapeMath.Product(x) : -1;
            var rest = ShapeMath.Product(dims.Where((_, i) => i != inferred));
            dims[inferred] = total < 0 || rest < 0 ? -1 : rest == 0 ? 0 : total / rest;
        }

        if (x.IsStatic && dims.All(d => d >= 0) && ShapeMath.Product(dims) != x.ElementCount)
        {
            throw context.Error($"cannot reshape {x} into [{string.Join(",", target)}]");
        }

        return new Shape(dims);
    }
}

/// <summary>Flattens to 2-D: (prod(dims[..Axis]), prod(dims[Axis..])).</summary>
public sealed record Flatten(long Axis = 1) : Op
{
    public override TensorType[] InferTypes(InferenceContext context)
    {
        var x = context.Shape(0);
        var axis = Axis < 0 ? Axis + x.Rank : Axis;
        if (axis < 0 || axis > x.Rank)
        {
            throw context.Error($"axis {Axis} out of range for {x}");
        }

        return [new TensorType(context.DType(0), new Shape(ShapeMath.Product(x.Take((int)axis)), ShapeMath.Product(x.Skip((int)axis))))];
    }
}

/// <summary>Permutes axes: output axis i is input axis Perm[i].</summary>
public sealed record Transpose(long[] Perm) : Op
{
    public override TensorType[] InferTypes(InferenceContext context)
    {
        var x = context.Shape(0);
        if (Perm.Length != x.Rank || Perm.Distinct().Count() != Perm.Length || Perm.Any(p => p < 0 || p >= x.Rank))
        {
            throw context.Error($"permutation [{string.Join(",", Perm)}] does not fit {x}");
        }

        return [new TensorType(context.DType(0), new Shape(Perm.Select(p => x[(int)p]).ToArray()))];
    }
}

/// <summary>Removes size-1 axes (empty <see cref="Axes"/>: all of them).</summary>
public sealed record Squeeze(long[] Axes) : Op
{
    public override TensorType[] InferTypes(InferenceContext context)
    {
        var x = context.Shape(0);
        var axes = Axes.Length == 0
            ? Enumerable.Range(0, x.Rank).Where(i => x[i] == 1).ToHashSet()
            : Axes.Select(a => ShapeMath.Axis(a, x.Rank)).ToHashSet();
        foreach (var a in axes)
        {
            if (x[a] > 1)
            {
                throw context.Error($"axis {a} of {x} is not 1");
            }
        }

        return [new TensorType(context.DType(0), new Shape(x.Where((_, i) => !axes.Contains(i)).ToArray()))];
    }
}

/// <summary>Inserts size-1 axes at <see cref="Axes"/> (positions in the output).</summary>
public sealed record Unsqueeze(long[] Axes) : Op
{
    public override TensorType[] InferTypes(InferenceContext context)
    {
        var x = context.Shape(0);
        var rank = x.Rank + Axes.Length;
        var axes = Axes.Select(a => ShapeMath.Axis(a, rank)).ToHashSet();
        if (axes.Count != Axes.Length)
        {
            throw context.Error("repeated axis");
        }

        var dims = new long[rank];
        var next = 0;
        for (var i = 0; i < rank; i++)
        {
            dims[i] = axes.Contains(i) ? 1 : x[next++];
        }

        return [new TensorType(context.DType(0), new Shape(dims))];
    }
}

/// <summary>Repeats the input Repeats[i] times along each axis.</summary>
public sealed record Tile(long[] Repeats) : Op
{
    public override TensorType[] InferTypes(InferenceContext context)
    {
        var x = context.Shape(0);
        if (Repeats.Length != x.Rank)
        {
            throw context.Error($"{Repeats.Length} repeats for {x}");
        }

        return [new TensorType(context.DType(0), new Shape(x.Select((d, i) => d < 0 ? -1 : d * Repeats[i]).ToArray()))];
    }
}

/// <summary>Broadcasts the input to <see cref="TargetShape"/> (numpy rules, as ONNX Expand).</summary>
public sealed record Expand(long[] TargetShape) : Op
{
    public override TensorType[] InferTypes(InferenceContext context) =>
        [new TensorType(context.DType(0), ShapeMath.Broadcast(context.Shape(0), new Shape(TargetShape)))];
}

/// <summary>The shape of the input as a 1-D int64 tensor.</summary>
public sealed record ShapeOf : Op
{
    public override string Name => "Shape";

    public override TensorType[] InferTypes(InferenceContext context)
    {
        var x = context.Shape(0);
        return [new TensorType(DataType.Int64, new Shape(x.HasRank ? x.Rank : -1))];
    }
}

/// <summary>
/// Converts element types. From float to a quantized type it quantizes (round half to even, saturate);
/// from a quantized type to float it dequantizes; between quantized types it requantizes.
/// </summary>
public sealed record Cast(DataType To) : Op
{
    public override TensorType[] InferTypes(InferenceContext context) => [new TensorType(To, context.Shape(0))];
}
