using MgeConvert.Ir;

namespace MgeConvert.Formats.TorchScript;

/// <summary>Constant tensors in an element type torch can store.</summary>
internal static class TorchTensors
{
    /// <summary>
    /// Quantized constants become their real values (float32), since quantized values travel dequantized
    /// through the script; unsigned types torch lacks widen to the next signed type.
    /// </summary>
    public static Tensor Storable(Tensor tensor)
    {
        if (tensor.DType.IsQuantized)
        {
            return Tensor.FromFloats(tensor.Shape, tensor.Dequantize());
        }

        return tensor.DType.Element switch
        {
            ElementType.UInt16 => Tensor.FromInt32s(tensor.Shape, Array.ConvertAll(tensor.ToInt64s(), v => (int)v)),
            ElementType.UInt32 or ElementType.UInt64 => Tensor.FromInt64s(tensor.Shape, tensor.ToInt64s()),
            _ => tensor,
        };
    }
}
