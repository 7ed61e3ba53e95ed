using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Passes;

/// <summary>A per-channel affine map y = x·Scale + Shift (a batch norm, or a per-channel constant add).</summary>
internal sealed record ChannelAffine(double[] Scale, double[] Shift)
{
    public static ChannelAffine Add(double[] shift) => new([.. Enumerable.Repeat(1.0, shift.Length)], shift);

    public bool IsShiftOnly => Scale.All(s => s == 1);

    /// <summary>The affine map of a batch-norm node whose four parameters are plain float constants; null otherwise.</summary>
    public static ChannelAffine? OfBatchNorm(Node node)
    {
        if (node.Op is not BatchNorm bn || node.Inputs.Skip(1).Take(4).Any(v => v is not { IsConstant: true } || !v.DType.IsFloat))
        {
            return null;
        }

        var gamma = GraphEdits.Reals(node.Input(1));
        var beta = GraphEdits.Reals(node.Input(2));
        var mean = GraphEdits.Reals(node.Input(3));
        var variance = GraphEdits.Reals(node.Input(4));
        var channels = gamma.Length;
        if (beta.Length != channels || mean.Length != channels || variance.Length != channels)
        {
            return null;
        }

        var scale = new double[channels];
        var shift = new double[channels];
        for (var c = 0; c < channels; c++)
        {
            scale[c] = gamma[c] / Math.Sqrt(variance[c] + bn.Epsilon);
            shift[c] = beta[c] - (mean[c] * scale[c]);
        }

        return new ChannelAffine(scale, shift);
    }
}
