using MgeConvert.Ir;

namespace MgeConvert.Quantization;

/// <summary>
/// Fake quantization as MegEngine's FakeQuant kernel computes it in float32: round(x / scale) + zero point with
/// C round() (halves away from zero), clamped to [qmin, qmax], then (q - zero point) * scale.
/// </summary>
public static class FakeQuant
{
    public static Tensor Apply(Tensor data, QuantInfo info)
    {
        var values = data.ToFloats();
        var inner = 1L;
        var channels = 1L;
        if (!info.IsPerTensor)
        {
            var axis = info.Axis ?? 0;
            channels = data.Shape[axis];
            for (var d = axis + 1; d < data.Shape.Rank; d++)
            {
                inner *= data.Shape[d];
            }
        }

        var result = new float[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            var c = info.IsPerTensor ? 0 : (int)(i / inner % channels);
            var scale = info.Scales[c];
            float zero = info.ZeroPoints?[c] ?? 0;
            var q = Math.Clamp(MathF.Round(values[i] / scale, MidpointRounding.AwayFromZero) + zero, info.QMin, info.QMax);
            result[i] = (q - zero) * scale;
        }

        return Tensor.FromFloats(data.Shape, result);
    }
}
