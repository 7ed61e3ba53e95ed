using MgeConvert.Ir;

namespace MgeConvert.Tests.Support;

/// <summary>
/// MegEngine has no float64, so a model written as .mge/.tm computes in float32 and cannot take test inputs beyond
/// the float32 range. Such a model is compared on deterministic inputs of the same shapes inside the range instead.
/// </summary>
internal static class Float32Range
{
    public static bool Exceeded(IEnumerable<Tensor> inputs) =>
        inputs.Any(t => t.DType.Element == ElementType.Float64 && t.ToDoubles().Any(v => Math.Abs(v) > float.MaxValue));

    /// <summary>Float64 tensors replaced by seeded values in [-3, 3]; other tensors as they are.</summary>
    public static Tensor InRange(Tensor tensor, int seed)
    {
        if (tensor.DType.Element != ElementType.Float64)
        {
            return tensor;
        }

        var random = new Random(seed);
        var values = Enumerable.Range(0, (int)tensor.ElementCount).Select(_ => Math.Round((random.NextDouble() * 6) - 3, 3)).ToArray();
        return Tensor.Create(DataType.Float64, tensor.Shape, values);
    }
}
