namespace MgeConvert.Ir.Ops;

/// <summary>Inference batch norm over axis 1. Inputs: x, scale, bias, mean, variance (each (C)).</summary>
public sealed record BatchNorm(float Epsilon = 1e-5f) : Op
{
    public override int MinInputs => 5;

    public override TensorType[] InferTypes(InferenceContext context) => [context.Type(0)];
}

/// <summary>Instance normalization over the spatial axes. Inputs: x, scale (C), bias (C).</summary>
public sealed record InstanceNorm(float Epsilon = 1e-5f) : Op
{
    public override int MinInputs => 3;

    public override TensorType[] InferTypes(InferenceContext context) => [context.Type(0)];
}

/// <summary>
/// Layer normalization over the axes from <see cref="Axis"/> to the last. Inputs: x, optional scale and
/// bias shaped like the normalized axes.
/// </summary>
public sealed record LayerNorm(long Axis = -1, float Epsilon = 1e-5f) : Op
{
    public override int MaxInputs => 3;

    public override TensorType[] InferTypes(InferenceContext context)
    {
        ShapeMath.Axis(Axis, context.Shape(0).Rank);
        return [context.Type(0)];
    }
}
