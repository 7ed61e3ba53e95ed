using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Reference.Kernels;

/// <summary>Broadcast binary functions (integer arithmetic wraps; integer Div truncates) and Where.</summary>
internal static class BinaryKernels
{
    public static void Register(KernelTable table)
    {
        table.Add<Binary>(Binary);
        table.Add<Where>(Where);
    }

    private static Tensor[] Binary(Binary op, KernelContext context)
    {
        var a = context.Input(0);
        var b = context.Input(1);
        var dims = Indexing.Broadcast(a.Shape.ToArray(), b.Shape.ToArray());
        var ia = Indexing.BroadcastSource(a.Shape.ToArray(), dims);
        var ib = Indexing.BroadcastSource(b.Shape.ToArray(), dims);
        if (TensorValues.IsIntegral(a.DType) && TensorValues.IsIntegral(b.DType))
        {
            var x = TensorValues.Integers(a);
            var y = TensorValues.Integers(b);
            var result = new long[ia.Length];
            for (var i = 0; i < result.Length; i++)
            {
                result[i] = Integer(op.Function, x[ia[i]], y[ib[i]], context.NodeName);
                if (op.Activation != FusedActivation.None)
                {
                    result[i] = (long)Activation.Apply(op.Activation, result[i]);
                }
            }

            return [TensorValues.FromIntegers(context.OutputType(), dims, result)];
        }

        var xr = TensorValues.Reals(a);
        var yr = TensorValues.Reals(b);
        var ea = a.DType.Element;
        var eb = b.DType.Element;
        var reals = new double[ia.Length];
        for (var i = 0; i < reals.Length; i++)
        {
            var value = Real(op.Function, TensorValues.RoundTo(ea, xr[ia[i]]), TensorValues.RoundTo(eb, yr[ib[i]]), ea);
            reals[i] = Activation.Apply(op.Activation, TensorValues.RoundTo(ea, value));
        }

        return [context.Reals(dims, reals)];
    }

    private static long Integer(BinaryFunction function, long x, long y, string node) => function switch
    {
        BinaryFunction.Add => unchecked(x + y),
        BinaryFunction.Sub => unchecked(x - y),
        BinaryFunction.Mul => unchecked(x * y),
        BinaryFunction.Div => y == 0 ? throw new IrException($"node {node}: integer division by zero") : x / y,
        BinaryFunction.FloorDiv => y == 0 ? throw new IrException($"node {node}: integer division by zero") : FloorDivide(x, y),
        BinaryFunction.Mod => y == 0 ? throw new IrException($"node {node}: integer modulo by zero") : x - (FloorDivide(x, y) * y),
        BinaryFunction.Pow => IntegerPower(x, y),
        BinaryFunction.Max => Math.Max(x, y),
        BinaryFunction.Min => Math.Min(x, y),
        BinaryFunction.And => x & y,
        BinaryFunction.Or => x | y,
        BinaryFunction.Xor => x ^ y,
        BinaryFunction.Equal => x == y ? 1 : 0,
        BinaryFunction.Less => x < y ? 1 : 0,
        BinaryFunction.LessOrEqual => x <= y ? 1 : 0,
        BinaryFunction.Greater => x > y ? 1 : 0,
        BinaryFunction.GreaterOrEqual => x >= y ? 1 : 0,
        _ => throw new NotSupportedException($"binary function {function}"),
    };

    private static double Real(BinaryFunction function, double x, double y, ElementType element) => function switch
    {
        BinaryFunction.Add => x + y,
        BinaryFunction.Sub => x - y,
        BinaryFunction.Mul => x * y,
        BinaryFunction.Div => x / y,
        BinaryFunction.FloorDiv => Math.Floor(TensorValues.RoundTo(element, x / y)),
        BinaryFunction.Mod => PythonModulo(x, y),
        BinaryFunction.Pow => Math.Pow(x, y),
        BinaryFunction.Max => double.IsNaN(x) || double.IsNaN(y) ? double.NaN : Math.Max(x, y),
        BinaryFunction.Min => double.IsNaN(x) || double.IsNaN(y) ? double.NaN : Math.Min(x, y),
        BinaryFunction.And => x != 0 && y != 0 ? 1 : 0,
        BinaryFunction.Or => x != 0 || y != 0 ? 1 : 0,
        BinaryFunction.Xor => (x != 0) != (y != 0) ? 1 : 0,
        BinaryFunction.Equal => x == y ? 1 : 0,
        BinaryFunction.Less => x < y ? 1 : 0,
        BinaryFunction.LessOrEqual => x <= y ? 1 : 0,
        BinaryFunction.Greater => x > y ? 1 : 0,
        BinaryFunction.GreaterOrEqual => x >= y ? 1 : 0,
        _ => throw new NotSupportedException($"binary function {function}"),
    };

    private static long FloorDivide(long x, long y)
    {
        var q = x / y;
        return (x % y != 0) && ((x < 0) != (y < 0)) ? q - 1 : q;
    }

    private static double PythonModulo(double x, double y)
    {
        var r = x % y;
        return r != 0 && (r < 0) != (y < 0) ? r + y : r;
    }

    private static long IntegerPower(long x, long y)
    {
        if (y < 0)
        {
            return x == 1 ? 1 : x == -1 ? (y % 2 == 0 ? 1 : -1) : 0;
        }

        long result = 1;
        for (var i = 0L; i < y && result != 0; i++)
        {
            result = unchecked(result * x);
            if (x is 0 or 1)
            {
                break;
            }
        }

        return x == 0 && y == 0 ? 1 : result;
    }

    private static Tensor[] Where(Where op, KernelContext context)
    {
        var condition = context.Input(0);
        var x = context.Input(1);
        var y = context.Input(2);
        var dims = Indexing.Broadcast(condition.Shape.ToArray(), x.Shape.ToArray(), y.Shape.ToArray());
        var ic = Indexing.BroadcastSource(condition.Shape.ToArray(), dims);
        var ix = Indexing.BroadcastSource(x.Shape.ToArray(), dims);
        var iy = Indexing.BroadcastSource(y.Shape.ToArray(), dims);
        var c = TensorValues.Integers(condition);
        if (TensorValues.IsIntegral(context.OutputType()))
        {
            var xi = TensorValues.Integers(x);
            var yi = TensorValues.Integers(y);
            var result = new long[ic.Length];
            for (var i = 0; i < result.Length; i++)
            {
                result[i] = c[ic[i]] != 0 ? xi[ix[i]] : yi[iy[i]];
            }

            return [TensorValues.FromIntegers(context.OutputType(), dims, result)];
        }

        var xr = TensorValues.Reals(x);
        var yr = TensorValues.Reals(y);
        var reals = new double[ic.Length];
        for (var i = 0; i < reals.Length; i++)
        {
            reals[i] = c[ic[i]] != 0 ? xr[ix[i]] : yr[iy[i]];
        }

        return [context.Reals(dims, reals)];
    }
}
