using MgeConvert.Formats.Pickle;
using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using static MgeConvert.Formats.TracedModule.TmExportContext;

namespace MgeConvert.Formats.TracedModule;

/// <summary>Elementwise IR ops as megengine.functional calls and Tensor operator methods.</summary>
internal static class TmExportElementwise
{
    public static void Unary(TmExportContext c)
    {
        var x = c.In(0);
        var f = ((Ir.Ops.Unary)c.Op).Function;
        PyObject y = f switch
        {
            UnaryFunction.Relu => c.Fn(Nn, "relu", c.Out(), x),
            UnaryFunction.Sigmoid => c.Fn(Nn, "sigmoid", c.Out(), x),
            UnaryFunction.Silu => c.Fn(Nn, "silu", c.Out(), x),
            UnaryFunction.HardSwish => c.Fn(Nn, "hswish", c.Out(), x),
            UnaryFunction.Tanh => c.Fn(Elemwise, "tanh", c.Out(), x),
            UnaryFunction.Exp => c.Fn(Elemwise, "exp", c.Out(), x),
            UnaryFunction.Log => c.Fn(Elemwise, "log", c.Out(), x),
            UnaryFunction.Abs => c.Fn(Elemwise, "abs", c.Out(), x),
            UnaryFunction.Floor => c.Fn(Elemwise, "floor", c.Out(), x),
            UnaryFunction.Ceil => c.Fn(Elemwise, "ceil", c.Out(), x),
            UnaryFunction.Sqrt => c.Fn(Elemwise, "sqrt", c.Out(), x),
            UnaryFunction.Round => c.Fn(Elemwise, "round", c.Out(), x),
            UnaryFunction.Neg => c.Method("__neg__", c.Out(), x),
            UnaryFunction.Reciprocal => c.Method("__rtruediv__", c.Out(), x, 1.0),
            UnaryFunction.Softplus => Softplus(c, x),
            UnaryFunction.Softsign => Softsign(c, x),
            _ => throw Unsupported($"{f} has no MegEngine function"),
        };
        c.Bind(y);
    }

    public static void Binary(TmExportContext c)
    {
        var op = (Ir.Ops.Binary)c.Op;
        var a = c.In(0);
        var b = c.In(1);
        var output = op.IsComparison ? new TmOut(c.Node.Outputs[0].Name, ElementType.Bool, c.OutShape()) : c.PreActivation(op.Activation);
        if (op.Function == BinaryFunction.Div && !c.InType(0).DType.Element.IsFloat())
        {
            throw Unsupported("integer division (MegEngine's true division of integers gives floats)");
        }

        if (op.Function == BinaryFunction.Pow && !c.InType(0).DType.Element.IsFloat() && c.InType(1).DType.Element.IsFloat())
        {
            // An integer base with a float exponent: MegEngine computes in float, the IR keeps the base's type.
            var power = c.Method("__pow__", Temp(Storage(c.InType(1).DType.Element), c.OutShape()), a, b);
            c.Bind(c.Method("astype", c.Out(), power, DTypeName(c.OutElement())));
            return;
        }

        PyObject y = op.Function switch
        {
            BinaryFunction.Add => c.Method("__add__", output, a, b),
            BinaryFunction.Sub => c.Method("__sub__", output, a, b),
            BinaryFunction.Mul => c.Method("__mul__", output, a, b),
            BinaryFunction.Div => c.Method("__truediv__", output, a, b),
            BinaryFunction.Pow => c.Method("__pow__", output, a, b),
            BinaryFunction.FloorDiv => c.Method("__floordiv__", output, a, b),
            BinaryFunction.Mod => c.Method("__mod__", output, a, b),
            BinaryFunction.Max => c.Fn(Elemwise, "maximum", output, a, b),
            BinaryFunction.Min => c.Fn(Elemwise, "minimum", output, a, b),
            BinaryFunction.Equal => c.Method("__eq__", output, a, b),
            BinaryFunction.Less => c.Method("__lt__", output, a, b),
            BinaryFunction.LessOrEqual => c.Method("__le__", output, a, b),
            BinaryFunction.Greater => c.Method("__gt__", output, a, b),
            BinaryFunction.GreaterOrEqual => c.Method("__ge__", output, a, b),
            _ => throw Unsupported($"{op.Function} has no MegEngine function"),
        };
        c.Bind(op.IsComparison ? y : c.Activate(y, op.Activation, c.Out()));
    }

    public static void Where(TmExportContext c) =>
        c.Bind(c.Fn(TensorFns, "where", c.Out(), c.In(0), c.In(1), c.In(2)));

    public static void Clip(TmExportContext c)
    {
        var op = (Ir.Ops.Clip)c.Op;
        TmArg Bound(float v) => float.IsInfinity(v) ? TmArg.None : (double)v;
        c.Bind(c.Fn(Elemwise, "clip", c.Out(), c.In(0), Bound(op.Min), Bound(op.Max)));
    }

    public static void LeakyRelu(TmExportContext c) =>
        c.Bind(c.Fn(Nn, "leaky_relu", c.Out(), c.In(0), (double)((Ir.Ops.LeakyRelu)c.Op).Alpha));

    public static void HardSigmoid(TmExportContext c)
    {
        var op = (Ir.Ops.HardSigmoid)c.Op;
        if (System.Math.Abs(op.Alpha - (1f / 6f)) < 1e-7 && op.Beta == 0.5f)
        {
            c.Bind(c.Fn(Nn, "hsigmoid", c.Out(), c.In(0)));
            return;
        }

        var shape = c.OutShape();
        var scaled = c.Method("__mul__", c.TempLike(shape), c.In(0), (double)op.Alpha);
        var shifted = c.Method("__add__", c.TempLike(shape), scaled, (double)op.Beta);
        c.Bind(c.Fn(Elemwise, "clip", c.Out(), shifted, 0.0, 1.0));
    }

    public static void Gelu(TmExportContext c)
    {
        if (((Ir.Ops.Gelu)c.Op).TanhApproximation)
        {
            throw Unsupported("tanh-approximated GELU");
        }

        c.Bind(c.Fn(Nn, "gelu", c.Out(), c.In(0)));
    }

    /// <summary>elu(x) = relu(x) + alpha·(exp(min(x, 0)) − 1); selu scales it by gamma.</summary>
    public static void Elu(TmExportContext c)
    {
        var (alpha, gamma) = c.Op switch
        {
            Ir.Ops.Elu e => (e.Alpha, 1f),
            Selu s => (s.Alpha, s.Gamma),
            _ => throw Unsupported("not an ELU"),
        };
        var shape = c.OutShape();
        var x = c.In(0);
        var negative = c.Fn(Elemwise, "minimum", c.TempLike(shape), x, 0.0);
        var exp = c.Fn(Elemwise, "exp", c.TempLike(shape), negative);
        var expm1 = c.Method("__sub__", c.TempLike(shape), exp, 1.0);
        var scaled = c.Method("__mul__", c.TempLike(shape), expm1, (double)alpha);
        var positive = c.Fn(Nn, "relu", c.TempLike(shape), x);
        var sum = c.Method("__add__", gamma == 1f ? c.Out() : c.TempLike(shape), positive, scaled);
        c.Bind(gamma == 1f ? sum : c.Method("__mul__", c.Out(), sum, (double)gamma));
    }

    /// <summary>prelu(x, slope) = relu(x) + slope·min(x, 0).</summary>
    public static void PRelu(TmExportContext c)
    {
        var shape = c.OutShape();
        var x = c.In(0);
        var positive = c.Fn(Nn, "relu", c.TempLike(shape), x);
        var negative = c.Fn(Elemwise, "minimum", c.TempLike(shape), x, 0.0);
        var scaled = c.Method("__mul__", c.TempLike(shape), negative, c.In(1));
        c.Bind(c.Method("__add__", c.Out(), positive, scaled));
    }

    public static void Alias(TmExportContext c) => c.Bind(c.In(0));

    /// <summary>x.astype(dtype name).</summary>
    public static void Cast(TmExportContext c)
    {
        var to = ((Ir.Ops.Cast)c.Op).To;
        if (to.IsQuantized)
        {
            TmExportQuant.Quantize(c, to);
            return;
        }

        var from = c.InType(0).DType;
        if (from.IsQuantized && !to.IsFloat)
        {
            throw Unsupported($"cast of a {from} value to its raw integers (a QAT TracedModule holds the real values)");
        }

        var target = Storage(to.Element);
        if (target == Storage(from))
        {
            c.Bind(c.In(0));
            return;
        }

        var type = DTypeName(target);

        // The dtype as its name (astype accepts any numpy dtype spec): no numpy scalar-type global needed.
        c.Bind(c.Method("astype", c.Out(), c.In(0), type));
    }

    private static string DTypeName(ElementType type) => type switch
    {
        ElementType.Float32 => "float32",
        ElementType.Float16 => "float16",
        ElementType.Int32 => "int32",
        ElementType.Int16 => "int16",
        ElementType.Int8 => "int8",
        ElementType.UInt8 => "uint8",
        ElementType.UInt16 => "uint16",
        ElementType.Bool => "bool",
        _ => throw Unsupported($"cast to {type}"),
    };

    public static void Softmax(TmExportContext c) =>
        c.Bind(c.Fn(Nn, "softmax", c.Out(), c.In(0), Axis(((Ir.Ops.Softmax)c.Op).Axis, c.InShape(0).Length)));

    public static void LogSoftmax(TmExportContext c) =>
        c.Bind(c.Fn(Nn, "logsoftmax", c.Out(), c.In(0), Axis(((Ir.Ops.LogSoftmax)c.Op).Axis, c.InShape(0).Length)));

    public static long Axis(long axis, int rank) => axis < 0 ? axis + rank : axis;

    /// <summary>softplus(x) = relu(x) + log(1 + exp(−|x|)).</summary>
    private static PyObject Softplus(TmExportContext c, PyObject x)
    {
        var shape = c.OutShape();
        var abs = c.Fn(Elemwise, "abs", c.TempLike(shape), x);
        var neg = c.Method("__neg__", c.TempLike(shape), abs);
        var exp = c.Fn(Elemwise, "exp", c.TempLike(shape), neg);
        var onePlus = c.Method("__add__", c.TempLike(shape), exp, 1.0);
        var log = c.Fn(Elemwise, "log", c.TempLike(shape), onePlus);
        var relu = c.Fn(Nn, "relu", c.TempLike(shape), x);
        return c.Method("__add__", c.Out(), relu, log);
    }

    /// <summary>softsign(x) = x / (1 + |x|).</summary>
    private static PyObject Softsign(TmExportContext c, PyObject x)
    {
        var shape = c.OutShape();
        var abs = c.Fn(Elemwise, "abs", c.TempLike(shape), x);
        var onePlus = c.Method("__add__", c.TempLike(shape), abs, 1.0);
        return c.Method("__truediv__", c.Out(), x, onePlus);
    }
}
