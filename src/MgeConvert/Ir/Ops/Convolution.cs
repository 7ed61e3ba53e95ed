namespace MgeConvert.Ir.Ops;

/// <summary>
/// N-d convolution (1-D, 2-D, 3-D). Inputs: x (N, C, spatial...), weight (O, C/Group, k...), optional bias (O).
/// <see cref="Pads"/> holds the begin pads of every spatial axis followed by the end pads.
/// </summary>
public sealed record Conv(long[] Strides, long[] Pads, long[] Dilations, long Group = 1, FusedActivation Activation = FusedActivation.None)
    : Op, IFusableActivation
{
    public override int MinInputs => 2;

    public override int MaxInputs => 3;

    public int SpatialRank => Strides.Length;

    public Op WithActivation(FusedActivation activation) => this with { Activation = activation };

    public override TensorType[] InferTypes(InferenceContext context)
    {
        var x = context.Shape(0);
        var w = context.Shape(1);
        ConvShapes.CheckAttributes(context, SpatialRank, Pads, Dilations);
        if (!x.HasRank || x.Rank != SpatialRank + 2 || !w.HasRank || w.Rank != SpatialRank + 2)
        {
            throw context.Error($"expected rank-{SpatialRank + 2} input and weight, got {x} and {w}");
        }

        if (x[1] >= 0 && w[1] >= 0 && x[1] != w[1] * Group)
        {
            throw context.Error($"input has {x[1]} channels, weight {w} with group {Group} expects {w[1] * Group}");
        }

        var dims = new long[SpatialRank + 2];
        dims[0] = x[0];
        dims[1] = w[0];
        for (var i = 0; i < SpatialRank; i++)
        {
            dims[i + 2] = ShapeMath.WindowOutput(x[i + 2], w[i + 2], Strides[i], Pads[i], Pads[i + SpatialRank], Dilations[i]);
        }

        return [new TensorType(context.DType(0), new Shape(dims))];
    }
}

/// <summary>
/// N-d transposed convolution. Inputs: x (N, C, spatial...), weight (C, O/Group, k...), optional bias (O).
/// Output length per axis: (in-1)*stride - padBegin - padEnd + dilation*(k-1) + OutputPadding + 1.
/// </summary>
public sealed record ConvTranspose(long[] Strides, long[] Pads, long[] Dilations, long Group = 1, long[]? OutputPadding = null,
    FusedActivation Activation = FusedActivation.None) : Op, IFusableActivation
{
    public override int MinInputs => 2;

    public override int MaxInputs => 3;

    public int SpatialRank => Strides.Length;

    public Op WithActivation(FusedActivation activation) => this with { Activation = activation };

    public override TensorType[] InferTypes(InferenceContext context)
    {
        var x = context.Shape(0);
        var w = context.Shape(1);
        ConvShapes.CheckAttributes(context, SpatialRank, Pads, Dilations);
        if (!x.HasRank || x.Rank != SpatialRank + 2 || !w.HasRank || w.Rank != SpatialRank + 2)
        {
            throw context.Error($"expected rank-{SpatialRank + 2} input and weight, got {x} and {w}");
        }

        var dims = new long[SpatialRank + 2];
        dims[0] = x[0];
        dims[1] = w[1] < 0 ? -1 : w[1] * Group;
        for (var i = 0; i < SpatialRank; i++)
        {
            var extra = OutputPadding is null ? 0 : OutputPadding[i];
            dims[i + 2] = x[i + 2] < 0 ? -1
                : ((x[i + 2] - 1) * Strides[i]) - Pads[i] - Pads[i + SpatialRank] + (Dilations[i] * (w[i + 2] - 1)) + extra + 1;
        }

        return [new TensorType(context.DType(0), new Shape(dims))];
    }
}

internal static class ConvShapes
{
    public static void CheckAttributes(InferenceContext context, int spatialRank, long[] pads, long[] dilations)
    {
        if (spatialRank is < 1 or > 3 || pads.Length != 2 * spatialRank || dilations.Length != spatialRank)
        {
            throw context.Error($"inconsistent attributes: {spatialRank} strides, {pads.Length} pads, {dilations.Length} dilations");
        }
    }
}
