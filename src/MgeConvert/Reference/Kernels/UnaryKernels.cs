using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Reference.Kernels;

/// <summary>Unary functions, and the elementwise activations with attributes (Clip, LeakyRelu, Gelu, ...).</summary>
internal static class UnaryKernels
{
    private static readonly double SqrtTwoOverPi = Math.Sqrt(2 / Math.PI);

    public static void Register(KernelTable table)
    {
        table.Add<Unary>(Unary);
        table.Add<Clip>((op, c) => IntegralOrReals(c, v => Math.Min(Math.Max(v, op.Min), op.Max)));
        table.Add<LeakyRelu>((op, c) => Elementwise.MapReals(c, v => v >= 0 ? v : op.Alpha * v));
        table.Add<Elu>((op, c) => Elementwise.MapReals(c, v => v > 0 ? v : op.Alpha * (Math.Exp(v) - 1)));
        table.Add<Selu>((op, c) => Elementwise.MapReals(c, v => op.Gamma * (v > 0 ? v : (op.Alpha * Math.Exp(v)) - op.Alpha)));
        table.Add<HardSigmoid>((op, c) => Elementwise.MapReals(c, v => Math.Max(0, Math.Min(1, (op.Alpha * v) + op.Beta))));
        table.Add<Gelu>((op, c) => Elementwise.MapReals(c, op.TanhApproximation ? GeluTanh : GeluErf));
        table.Add<Identity>((_, c) => [c.Conform(c.Input(0))]);
        table.Add<Dropout>((_, c) => [c.Conform(c.Input(0))]);
        table.Add<PRelu>(PRelu);
    }

    private static Tensor[] Unary(Unary op, KernelContext context)
    {
        if (TensorValues.IsIntegral(context.Input(0).DType) && IntegerFunction(op.Function) is { } integer)
        {
            return Elementwise.MapIntegers(context, integer);
        }

        return Elementwise.MapReals(context, RealFunction(op.Function));
    }

    private static Func<long, long>? IntegerFunction(UnaryFunction function) => function switch
    {
        UnaryFunction.Relu => v => Math.Max(v, 0),
        UnaryFunction.Abs => v => Math.Abs(v),
        UnaryFunction.Neg => v => -v,
        UnaryFunction.Sign => v => Math.Sign(v),
        UnaryFunction.Floor or UnaryFunction.Ceil or UnaryFunction.Round => v => v,
        UnaryFunction.Not => v => v == 0 ? 1 : 0,
        _ => null,
    };

    private static Func<double, double> RealFunction(UnaryFunction function) => function switch
    {
        UnaryFunction.Relu => v => v > 0 ? v : 0,
        UnaryFunction.Sigmoid => Sigmoid,
        UnaryFunction.Tanh => Math.Tanh,
        UnaryFunction.Exp => Math.Exp,
        UnaryFunction.Log => Math.Log,
        UnaryFunction.Abs => Math.Abs,
        UnaryFunction.Neg => v => -v,
        UnaryFunction.Sqrt => Math.Sqrt,
        UnaryFunction.Reciprocal => v => 1 / v,
        UnaryFunction.Floor => Math.Floor,
        UnaryFunction.Ceil => Math.Ceiling,
        UnaryFunction.Round => v => Math.Round(v, MidpointRounding.ToEven),
        UnaryFunction.Erf => SpecialFunctions.Erf,
        UnaryFunction.Sign => v => double.IsNaN(v) ? v : Math.Sign(v),
        UnaryFunction.Sin => Math.Sin,
        UnaryFunction.Cos => Math.Cos,
        UnaryFunction.Not => v => v == 0 ? 1 : 0,
        UnaryFunction.Softplus => v => v > 0 ? v + Math.Log(1 + Math.Exp(-v)) : Math.Log(1 + Math.Exp(v)),
        UnaryFunction.Softsign => v => v / (1 + Math.Abs(v)),
        UnaryFunction.HardSwish => v => v * Math.Min(Math.Max(v + 3, 0), 6) / 6,
        UnaryFunction.Silu => v => v * Sigmoid(v),
        _ => throw new NotSupportedException($"unary function {function}"),
    };

    private static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));

    private static double GeluErf(double v) => 0.5 * v * (1 + SpecialFunctions.Erf(v / Math.Sqrt(2)));

    private static double GeluTanh(double v) => 0.5 * v * (1 + Math.Tanh(SqrtTwoOverPi * (v + (0.044715 * v * v * v))));

    private static Tensor[] IntegralOrReals(KernelContext context, Func<double, double> function) =>
        TensorValues.IsIntegral(context.Input(0).DType)
            ? Elementwise.MapIntegers(context, v => (long)function(v))
            : Elementwise.MapReals(context, function);

    private static Tensor[] PRelu(PRelu op, KernelContext context)
    {
        var x = context.Input(0);
        var slope = context.Input(1);
        var dims = x.Shape.ToArray();
        var values = TensorValues.Reals(x);
        var slopes = TensorValues.Reals(slope);
        var source = Indexing.BroadcastSource(slope.Shape.ToArray(), dims);
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = values[i] >= 0 ? values[i] : values[i] * slopes[source[i]];
        }

        return [context.Reals(dims, values)];
    }
}
