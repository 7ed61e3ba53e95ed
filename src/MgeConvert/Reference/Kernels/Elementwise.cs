using MgeConvert.Ir;

namespace MgeConvert.Reference.Kernels;

/// <summary>Shared helpers of elementwise kernels.</summary>
internal static class Elementwise
{
    /// <summary>Applies a real function elementwise; the result takes the wanted output type.</summary>
    public static Tensor[] MapReals(KernelContext context, Func<double, double> function)
    {
        var x = context.Input(0);
        var values = TensorValues.Reals(x);
        var element = x.DType.Element;
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = function(TensorValues.RoundTo(element, values[i]));
        }

        return [context.Reals(x.Shape.ToArray(), values)];
    }

    /// <summary>Applies an integer function elementwise (plain integer and bool inputs).</summary>
    public static Tensor[] MapIntegers(KernelContext context, Func<long, long> function)
    {
        var x = context.Input(0);
        var values = TensorValues.Integers(x);
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = function(values[i]);
        }

        return [TensorValues.FromIntegers(context.OutputType(), x.Shape.ToArray(), values)];
    }
}
