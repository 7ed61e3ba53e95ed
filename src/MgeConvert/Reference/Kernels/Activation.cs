using MgeConvert.Ir;

namespace MgeConvert.Reference.Kernels;

/// <summary>The activations an op can carry fused (<see cref="IFusableActivation"/>).</summary>
internal static class Activation
{
    public static double Apply(FusedActivation activation, double x) => activation switch
    {
        FusedActivation.None => x,
        FusedActivation.Relu => x > 0 ? x : 0,
        FusedActivation.Relu6 => Math.Min(Math.Max(x, 0), 6),
        FusedActivation.Sigmoid => 1 / (1 + Math.Exp(-x)),
        FusedActivation.Tanh => Math.Tanh(x),
        _ => throw new NotSupportedException($"fused activation {activation}"),
    };

    public static void Apply(FusedActivation activation, double[] values)
    {
        if (activation == FusedActivation.None)
        {
            return;
        }

        for (var i = 0; i < values.Length; i++)
        {
            values[i] = Apply(activation, values[i]);
        }
    }
}
