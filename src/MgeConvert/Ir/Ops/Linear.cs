namespace MgeConvert.Ir.Ops;

/// <summary>Numpy matmul: batched with broadcasting over leading axes; 1-D operands are promoted and squeezed.</summary>
public sealed record MatMul : Op
{
    public override int MinInputs => 2;

    public override TensorType[] InferTypes(InferenceContext context)
    {
        var a = context.Shape(0);
        var b = context.Shape(1);
        if (!a.HasRank || !b.HasRank)
        {
            return [new TensorType(context.DType(0), Shape.Unknown)];
        }

        if (a.Rank == 0 || b.Rank == 0)
        {
            throw context.Error("operands must have rank >= 1");
        }

        var a2 = a.Rank == 1 ? new Shape(1, a[0]) : a;
        var b2 = b.Rank == 1 ? new Shape(b[0], 1) : b;
        var k1 = a2[-1];
        var k2 = b2[-2];
        if (k1 >= 0 && k2 >= 0 && k1 != k2)
        {
            throw context.Error($"inner dimensions differ: {a} x {b}");
        }

        var batch = ShapeMath.Broadcast(new Shape(a2.Take(a2.Rank - 2).ToArray()), new Shape(b2.Take(b2.Rank - 2).ToArray()));
        var dims = batch.ToList();
        if (a.Rank > 1)
        {
            dims.Add(a2[-2]);
        }

        if (b.Rank > 1)
        {
            dims.Add(b2[-1]);
        }

        return [new TensorType(context.DType(0), new Shape([.. dims]))];
    }
}

/// <summary>Alpha * op(A) * op(B) + Beta * C for 2-D A and B; C (optional) broadcasts to the result.</summary>
public sealed record Gemm(bool TransA = false, bool TransB = false, float Alpha = 1f, float Beta = 1f,
    FusedActivation Activation = FusedActivation.None) : Op, IFusableActivation
{
    public override int MinInputs => 2;

    public override int MaxInputs => 3;

    public Op WithActivation(FusedActivation activation) => this with { Activation = activation };

    public override TensorType[] InferTypes(InferenceContext context)
    {
        var a = context.Shape(0);
        var b = context.Shape(1);
        if (!a.HasRank || !b.HasRank || a.Rank != 2 || b.Rank != 2)
        {
            throw context.Error($"expected 2-D operands, got {a} and {b}");
        }

        var m = TransA ? a[1] : a[0];
        var ka = TransA ? a[0] : a[1];
        var kb = TransB ? b[1] : b[0];
        var n = TransB ? b[0] : b[1];
        if (ka >= 0 && kb >= 0 && ka != kb)
        {
            throw context.Error($"inner dimensions differ: {a}{(TransA ? "ᵀ" : "")} x {b}{(TransB ? "ᵀ" : "")}");
        }

        return [new TensorType(context.DType(0), new Shape(m, n))];
    }
}
