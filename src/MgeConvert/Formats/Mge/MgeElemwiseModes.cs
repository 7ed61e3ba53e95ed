using MgeConvert.Formats.Mge.Fbs;
using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Formats.Mge;

/// <summary>
/// Elemwise modes → IR ops (docs/mge-format.md §10.4 ElemwiseMode). Inputs arrive dequantized; fused
/// modes become the IR op followed by an activation node. Comparisons yield Bool here; the caller casts
/// to MegEngine's output dtype (the input dtype).
/// </summary>
internal static class MgeElemwiseModes
{
    public static Value Apply(MgeConversion cx, ElemwiseMode mode, Value[] x)
    {
        Value U(UnaryFunction f, Value v) => cx.Apply(new Unary(f), v);
        Value B(BinaryFunction f, Value a, Value b) => cx.Apply(new Binary(f), a, b);
        Value One(Value like) => cx.Scalar(1, like.DType);
        Value Zero(Value like) => cx.Scalar(0, like.DType);
        Value Arity(int n) => x.Length == n ? x[0] : throw new MgeUnsupportedException($"Elemwise {mode} expects {n} inputs, got {x.Length}");

        switch (mode)
        {
            case ElemwiseMode.RELU: return U(UnaryFunction.Relu, Arity(1));
            case ElemwiseMode.ABS: return U(UnaryFunction.Abs, Arity(1));
            case ElemwiseMode.CEIL: return U(UnaryFunction.Ceil, Arity(1));
            case ElemwiseMode.COS: return U(UnaryFunction.Cos, Arity(1));
            case ElemwiseMode.EXP: return U(UnaryFunction.Exp, Arity(1));
            case ElemwiseMode.EXPM1: return B(BinaryFunction.Sub, U(UnaryFunction.Exp, Arity(1)), One(x[0]));
            case ElemwiseMode.FLOOR: return U(UnaryFunction.Floor, Arity(1));
            case ElemwiseMode.LOG: return U(UnaryFunction.Log, Arity(1));
            case ElemwiseMode.LOG1P: return U(UnaryFunction.Log, B(BinaryFunction.Add, Arity(1), One(x[0])));
            case ElemwiseMode.NEGATE: return U(UnaryFunction.Neg, Arity(1));
            case ElemwiseMode.SIGMOID: return U(UnaryFunction.Sigmoid, Arity(1));
            case ElemwiseMode.SIN: return U(UnaryFunction.Sin, Arity(1));
            case ElemwiseMode.TANH: return U(UnaryFunction.Tanh, Arity(1));
            case ElemwiseMode.ROUND: return U(UnaryFunction.Round, Arity(1));
            case ElemwiseMode.ERF: return U(UnaryFunction.Erf, Arity(1));
            case ElemwiseMode.H_SWISH: return U(UnaryFunction.HardSwish, Arity(1));
            case ElemwiseMode.NOT: return U(UnaryFunction.Not, Arity(1));
            case ElemwiseMode.SILU: return U(UnaryFunction.Silu, Arity(1));
            case ElemwiseMode.GELU: return cx.Apply(new Gelu(), Arity(1));
            case ElemwiseMode.SIGN: return U(UnaryFunction.Sign, Arity(1));
            case ElemwiseMode.SQRT: return U(UnaryFunction.Sqrt, Arity(1));
            case ElemwiseMode.SQUARE: return B(BinaryFunction.Mul, Arity(1), x[0]);
            case ElemwiseMode.SOFTPLUS: return U(UnaryFunction.Softplus, Arity(1));
            case ElemwiseMode.RELU6: return cx.Apply(new Clip(0, 6), Arity(1));
            case ElemwiseMode.HSIGMOID: return cx.Apply(new HardSigmoid(1f / 6, 0.5f), Arity(1));
            case ElemwiseMode.LOGSIGMOID: return U(UnaryFunction.Neg, U(UnaryFunction.Softplus, U(UnaryFunction.Neg, Arity(1))));
            case ElemwiseMode.ADD: return B(BinaryFunction.Add, Arity(2), x[1]);
            case ElemwiseMode.SUB: return B(BinaryFunction.Sub, Arity(2), x[1]);
            case ElemwiseMode.MUL: return B(BinaryFunction.Mul, Arity(2), x[1]);
            case ElemwiseMode.TRUE_DIV: return B(BinaryFunction.Div, Arity(2), x[1]);
            case ElemwiseMode.FLOOR_DIV: return B(BinaryFunction.FloorDiv, Arity(2), x[1]);
            case ElemwiseMode.MAX_: return B(BinaryFunction.Max, Arity(2), x[1]);
            case ElemwiseMode.MIN_: return B(BinaryFunction.Min, Arity(2), x[1]);
            case ElemwiseMode.POW: return B(BinaryFunction.Pow, Arity(2), x[1]);
            case ElemwiseMode.AND: return B(BinaryFunction.And, Arity(2), x[1]);
            case ElemwiseMode.OR: return B(BinaryFunction.Or, Arity(2), x[1]);
            case ElemwiseMode.XOR: return B(BinaryFunction.Xor, Arity(2), x[1]);
            case ElemwiseMode.LT: return B(BinaryFunction.Less, Arity(2), x[1]);
            case ElemwiseMode.LEQ: return B(BinaryFunction.LessOrEqual, Arity(2), x[1]);
            case ElemwiseMode.EQ: return B(BinaryFunction.Equal, Arity(2), x[1]);
            case ElemwiseMode.NEQ: return U(UnaryFunction.Not, B(BinaryFunction.Equal, Arity(2), x[1]));
            case ElemwiseMode.PRELU: return cx.Apply(new PRelu(), Arity(2), x[1]);
            case ElemwiseMode.LOG_SUM_EXP:
                return U(UnaryFunction.Log, B(BinaryFunction.Add, U(UnaryFunction.Exp, Arity(2)), U(UnaryFunction.Exp, x[1])));
            case ElemwiseMode.SWITCH_GT0:
                return cx.Apply(new Where(), B(BinaryFunction.Greater, Arity(2), Zero(x[0])), x[1], Zero(x[1]));
            case ElemwiseMode.FUSE_ADD_RELU: return U(UnaryFunction.Relu, B(BinaryFunction.Add, Arity(2), x[1]));
            case ElemwiseMode.FUSE_ADD_SIGMOID: return U(UnaryFunction.Sigmoid, B(BinaryFunction.Add, Arity(2), x[1]));
            case ElemwiseMode.FUSE_ADD_TANH: return U(UnaryFunction.Tanh, B(BinaryFunction.Add, Arity(2), x[1]));
            case ElemwiseMode.FUSE_ADD_H_SWISH: return U(UnaryFunction.HardSwish, B(BinaryFunction.Add, Arity(2), x[1]));
            case ElemwiseMode.FUSE_MUL_ADD3: return B(BinaryFunction.Add, B(BinaryFunction.Mul, Arity(3), x[1]), x[2]);
            case ElemwiseMode.FUSE_MUL_ADD4:
                return B(BinaryFunction.Add, B(BinaryFunction.Mul, Arity(4), x[1]), B(BinaryFunction.Mul, x[2], x[3]));
            case ElemwiseMode.COND_LEQ_MOV:
                return cx.Apply(new Where(), B(BinaryFunction.LessOrEqual, Arity(3), x[1]), x[2], Zero(x[2]));
            case ElemwiseMode.COND_LT_MOV:
                return cx.Apply(new Where(), B(BinaryFunction.Less, Arity(3), x[1]), x[2], Zero(x[2]));
            case ElemwiseMode.CLIP:
                return B(BinaryFunction.Min, B(BinaryFunction.Max, Arity(3), x[1]), x[2]);
            default:
                throw new MgeUnsupportedException($"Elemwise mode {mode} is not supported");
        }
    }

    /// <summary>The Elemwise mode a quantized ElemwiseMultiType mode (Q…) computes, or null.</summary>
    public static ElemwiseMode? FromMultiType(ElemwiseMultiTypeMode mode)
    {
        var name = mode.ToString();
        if (name.Length > 1 && name[0] == 'Q' && (Enum.TryParse<ElemwiseMode>(name[1..], out var m) || Enum.TryParse(name[1..] + "_", out m)))
        {
            return m;
        }

        return mode switch
        {
            ElemwiseMultiTypeMode.EQ => ElemwiseMode.EQ,
            ElemwiseMultiTypeMode.NEQ => ElemwiseMode.NEQ,
            ElemwiseMultiTypeMode.LT => ElemwiseMode.LT,
            ElemwiseMultiTypeMode.LEQ => ElemwiseMode.LEQ,
            _ => null,
        };
    }
}
