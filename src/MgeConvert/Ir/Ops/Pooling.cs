namespace MgeConvert.Ir.Ops;

public enum PoolKind
{
    Max,
    Average,
}

/// <summary>
/// N-d max/average pooling over the spatial axes of (N, C, spatial...). Pads as in <see cref="Conv"/>.
/// <see cref="CountIncludePad"/>: average divides by the full window (true) or by the valid elements (false).
/// </summary>
public sealed record Pool(PoolKind Kind, long[] Kernel, long[] Strides, long[] Pads, bool CountIncludePad = false, bool CeilMode = false)
    : Op
{
    public override string Name => Kind == PoolKind.Max ? "MaxPool" : "AveragePool";

    public override TensorType[] InferTypes(InferenceContext context)
    {
        var x = context.Shape(0);
        var n = Kernel.Length;
        if (Strides.Length != n || Pads.Length != 2 * n || !x.HasRank || x.Rank != n + 2)
        {
            throw context.Error($"expected rank-{n + 2} input and {n}-d attributes, got input {x}");
        }

        var dims = new long[n + 2];
        dims[0] = x[0];
        dims[1] = x[1];
        for (var i = 0; i < n; i++)
        {
            dims[i + 2] = ShapeMath.WindowOutput(x[i + 2], Kernel[i], Strides[i], Pads[i], Pads[i + n], 1, CeilMode);
        }

        return [new TensorType(context.DType(0), new Shape(dims))];
    }
}

/// <summary>Pooling over all spatial axes; output (N, C, 1, ...).</summary>
public sealed record GlobalPool(PoolKind Kind) : Op
{
    public override string Name => Kind == PoolKind.Max ? "GlobalMaxPool" : "GlobalAveragePool";

    public override TensorType[] InferTypes(InferenceContext context)
    {
        var x = context.Shape(0);
        if (!x.HasRank || x.Rank < 3)
        {
            throw context.Error($"expected (N, C, spatial...) input, got {x}");
        }

        var dims = x.ToArray();
        for (var i = 2; i < dims.Length; i++)
        {
            dims[i] = 1;
        }

        return [new TensorType(context.DType(0), new Shape(dims))];
    }
}

/// <summary>
/// Adaptive pooling (PyTorch/MegEngine semantics): output spatial size <see cref="OutputSize"/>; window i
/// spans [floor(i*in/out), ceil((i+1)*in/out)).
/// </summary>
public sealed record AdaptivePool(PoolKind Kind, long[] OutputSize) : Op
{
    public override string Name => Kind == PoolKind.Max ? "AdaptiveMaxPool" : "AdaptiveAveragePool";

    public override TensorType[] InferTypes(InferenceContext context)
    {
        var x = context.Shape(0);
        if (!x.HasRank || x.Rank != OutputSize.Length + 2)
        {
            throw context.Error($"expected rank-{OutputSize.Length + 2} input, got {x}");
        }

        var dims = x.ToArray();
        OutputSize.CopyTo(dims, 2);
        return [new TensorType(context.DType(0), new Shape(dims))];
    }
}
