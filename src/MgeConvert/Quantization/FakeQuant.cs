using MgeConvert.Ir;

namespace MgeConvert.Quantization;

/// <summary>Fake quantization: round(x / scale) + zero point, clamped to [qmin, qmax], then back to real values.</summary>
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
            var zero = info.ZeroPoints?[c] ?? 0;
            var q = Math.Clamp(Math.Round(values[i] / scale, MidpointRounding.ToEven) + zero, info.QMin, info.QMax);
            result[i] = (float)((q - zero) * scale);
        }

        return Tensor.FromFloats(data.Shape, result);
    }
}
