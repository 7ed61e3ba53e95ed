using MgeConvert.Formats.Mge.Fbs;
using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Formats.Mge.Writing;

/// <summary>
/// Elementwise IR ops → Elemwise/PowC/TypeCvt. Only Elemwise modes every targeted loader knows are used
/// (values below 60; the 1.12+ modes such as SQRT, SIGN, SOFTPLUS are composed from older ones, §9.2).
/// MegEngine comparisons yield the input dtype (0/1); a TypeCvt to Bool follows.
/// </summary>
internal static class MgeLowerElementwise
{
    public static MgeVar[] Unary(MgeLowering cx)
    {
        var f = ((Ir.Ops.Unary)cx.Current.Op).Function;
        var x = cx.In(0);
        MgeVar E(ElemwiseMode m, MgeVar v) => cx.Elem(m, v);
        var y = f switch
        {
            UnaryFunction.Relu => E(ElemwiseMode.RELU, x),
            UnaryFunction.Sigmoid => E(ElemwiseMode.SIGMOID, x),
            UnaryFunction.Tanh => E(ElemwiseMode.TANH, x),
            UnaryFunction.Exp => E(ElemwiseMode.EXP, x),
            UnaryFunction.Log => E(ElemwiseMode.LOG, x),
            UnaryFunction.Abs => E(ElemwiseMode.ABS, x),
            UnaryFunction.Neg => E(ElemwiseMode.NEGATE, x),
            UnaryFunction.Sqrt => cx.PowC(x, 0.5f),
            UnaryFunction.Reciprocal => cx.Elem(ElemwiseMode.TRUE_DIV, cx.Scalar(1, x.DType), x),
            UnaryFunction.Floor => E(ElemwiseMode.FLOOR, x),
            UnaryFunction.Ceil => E(ElemwiseMode.CEIL, x),
            UnaryFunction.Erf => E(ElemwiseMode.ERF, x),
            UnaryFunction.Sign => cx.Elem(ElemwiseMode.SUB, cx.Elem(ElemwiseMode.LT, cx.Scalar(0, x.DType), x), cx.Elem(ElemwiseMode.LT, x, 0)),
            UnaryFunction.Sin => E(ElemwiseMode.SIN, x),
            UnaryFunction.Cos => E(ElemwiseMode.COS, x),
            UnaryFunction.Not => E(ElemwiseMode.NOT, x),
            UnaryFunction.Softplus => cx.Elem(ElemwiseMode.ADD, E(ElemwiseMode.RELU, x), E(ElemwiseMode.LOG1P, E(ElemwiseMode.EXP, E(ElemwiseMode.NEGATE, E(ElemwiseMode.ABS, x))))),
            UnaryFunction.Softsign => cx.Elem(ElemwiseMode.TRUE_DIV, x, cx.Elem(ElemwiseMode.ADD, E(ElemwiseMode.ABS, x), 1)),
            UnaryFunction.HardSwish => E(ElemwiseMode.H_SWISH, x),
            UnaryFunction.Silu => E(ElemwiseMode.SILU, x),
            _ => throw new MgeWriteUnsupportedException($"unary {f} has no MegEngine equivalent in this writer"),
        };
        return [y];
    }

    public static MgeVar[] Binary(MgeLowering cx)
    {
        var op = (Ir.Ops.Binary)cx.Current.Op;
        var a = cx.In(0);
        var b = cx.In(1);
        if (a.DType != b.DType)
        {
            b = cx.TypeCvt(b, a.DType);
        }

        var y = op.Function switch
        {
            BinaryFunction.Add => cx.Elem(ElemwiseMode.ADD, a, b),
            BinaryFunction.Sub => cx.Elem(ElemwiseMode.SUB, a, b),
            BinaryFunction.Mul => cx.Elem(ElemwiseMode.MUL, a, b),
            BinaryFunction.Div when a.DType.Kind is DTypeEnum.Float32 or DTypeEnum.Float16 => cx.Elem(ElemwiseMode.TRUE_DIV, a, b),
            BinaryFunction.Div or BinaryFunction.FloorDiv => cx.Elem(ElemwiseMode.FLOOR_DIV, a, b),
            BinaryFunction.Pow => cx.Elem(ElemwiseMode.POW, a, b),
            BinaryFunction.Max => cx.Elem(ElemwiseMode.MAX_, a, b),
            BinaryFunction.Min => cx.Elem(ElemwiseMode.MIN_, a, b),
            BinaryFunction.And => cx.Elem(ElemwiseMode.AND, a, b),
            BinaryFunction.Or => cx.Elem(ElemwiseMode.OR, a, b),
            BinaryFunction.Xor => cx.Elem(ElemwiseMode.XOR, a, b),
            BinaryFunction.Equal => cx.TypeCvt(cx.Elem(ElemwiseMode.EQ, a, b), MgeLowering.Bool),
            BinaryFunction.Less => cx.TypeCvt(cx.Elem(ElemwiseMode.LT, a, b), MgeLowering.Bool),
            BinaryFunction.LessOrEqual => cx.TypeCvt(cx.Elem(ElemwiseMode.LEQ, a, b), MgeLowering.Bool),
            BinaryFunction.Greater => cx.TypeCvt(cx.Elem(ElemwiseMode.LT, b, a), MgeLowering.Bool),
            BinaryFunction.GreaterOrEqual => cx.TypeCvt(cx.Elem(ElemwiseMode.LEQ, b, a), MgeLowering.Bool),
            var f => throw new MgeWriteUnsupportedException($"binary {f} has no MegEngine equivalent in this writer"),
        };
        return [Activation(cx, y, op.Activation)];
    }

    public static MgeVar Activation(MgeLowering cx, MgeVar y, FusedActivation activation) => activation switch
    {
        FusedActivation.None => y,
        FusedActivation.Relu => cx.Elem(ElemwiseMode.RELU, y),
        FusedActivation.Relu6 => cx.Elem(ElemwiseMode.MIN_, cx.Elem(ElemwiseMode.RELU, y), 6),
        FusedActivation.Sigmoid => cx.Elem(ElemwiseMode.SIGMOID, y),
        FusedActivation.Tanh => cx.Elem(ElemwiseMode.TANH, y),
        _ => throw new MgeWriteUnsupportedException($"fused activation {activation} is not supported"),
    };

    /// <summary>where(c, x, y) = SWITCH_GT0(c, x) + SWITCH_GT0(not c, y): exact, and never mixes the unselected value in.</summary>
    public static MgeVar[] Where(MgeLowering cx)
    {
        var c = cx.In(0);
        var x = cx.In(1);
        var y = cx.In(2);
        if (y.DType != x.DType)
        {
            y = cx.TypeCvt(y, x.DType);
        }

        var on = cx.TypeCvt(c, x.DType);
        var off = cx.TypeCvt(cx.Elem(ElemwiseMode.NOT, c), x.DType);
        return [cx.Elem(ElemwiseMode.ADD, cx.Elem(ElemwiseMode.SWITCH_GT0, on, x), cx.Elem(ElemwiseMode.SWITCH_GT0, off, y))];
    }

    public static MgeVar[] Clip(MgeLowering cx)
    {
        var op = (Clip)cx.Current.Op;
        var x = cx.In(0);
        if (!float.IsNegativeInfinity(op.Min) && op.Min > float.MinValue)
        {
            x = cx.Elem(ElemwiseMode.MAX_, x, op.Min);
        }

        if (!float.IsPositiveInfinity(op.Max) && op.Max < float.MaxValue)
        {
            x = cx.Elem(ElemwiseMode.MIN_, x, op.Max);
        }

        return [x];
    }

    public static MgeVar[] LeakyRelu(MgeLowering cx)
    {
        var x = cx.In(0);
        var alpha = ((LeakyRelu)cx.Current.Op).Alpha;
        return [NegativeScaled(cx, x, cx.Elem(ElemwiseMode.MIN_, x, 0), alpha)];
    }

    public static MgeVar[] Elu(MgeLowering cx)
    {
        var x = cx.In(0);
        var alpha = ((Elu)cx.Current.Op).Alpha;
        return [NegativeScaled(cx, x, cx.Elem(ElemwiseMode.EXPM1, cx.Elem(ElemwiseMode.MIN_, x, 0)), alpha)];
    }

    public static MgeVar[] Selu(MgeLowering cx)
    {
        var x = cx.In(0);
        var op = (Selu)cx.Current.Op;
        var y = NegativeScaled(cx, x, cx.Elem(ElemwiseMode.EXPM1, cx.Elem(ElemwiseMode.MIN_, x, 0)), op.Alpha);
        return [cx.Elem(ElemwiseMode.MUL, y, op.Gamma)];
    }

    /// <summary>relu(x) + alpha·negativePart.</summary>
    private static MgeVar NegativeScaled(MgeLowering cx, MgeVar x, MgeVar negativePart, float alpha) =>
        cx.Elem(ElemwiseMode.FUSE_MUL_ADD3, negativePart, cx.Scalar(alpha, x.DType), cx.Elem(ElemwiseMode.RELU, x));

    public static MgeVar[] HardSigmoid(MgeLowering cx)
    {
        var op = (HardSigmoid)cx.Current.Op;
        var x = cx.In(0);
        var y = cx.Elem(ElemwiseMode.FUSE_MUL_ADD3, x, cx.Scalar(op.Alpha, x.DType), cx.Scalar(op.Beta, x.DType));
        return [cx.Elem(ElemwiseMode.MIN_, cx.Elem(ElemwiseMode.MAX_, y, 0), 1)];
    }

    public static MgeVar[] Gelu(MgeLowering cx)
    {
        var x = cx.In(0);
        if (!((Gelu)cx.Current.Op).TanhApproximation)
        {
            return [cx.Elem(ElemwiseMode.GELU, x)];
        }

        // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
        var cube = cx.PowC(x, 3);
        var inner = cx.Elem(ElemwiseMode.MUL, cx.Elem(ElemwiseMode.FUSE_MUL_ADD3, cube, cx.Scalar(0.044715, x.DType), x), Math.Sqrt(2 / Math.PI));
        var t = cx.Elem(ElemwiseMode.ADD, cx.Elem(ElemwiseMode.TANH, inner), 1);
        return [cx.Elem(ElemwiseMode.MUL, cx.Elem(ElemwiseMode.MUL, x, t), 0.5)];
    }

    public static MgeVar[] PRelu(MgeLowering cx)
    {
        var x = cx.In(0);
        var slope = cx.In(1);
        return [cx.Elem(ElemwiseMode.FUSE_MUL_ADD3, cx.Elem(ElemwiseMode.MIN_, x, 0), slope, cx.Elem(ElemwiseMode.RELU, x))];
    }

    public static MgeVar[] PassThrough(MgeLowering cx) => [cx.In(0)];

    public static MgeVar[] Cast(MgeLowering cx)
    {
        var to = MgeLowering.DType(((Ir.Ops.Cast)cx.Current.Op).To);
        return [cx.TypeCvt(cx.In(0), to)];
    }
}
