using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Reference.Kernels;

/// <summary>
/// Cast: float → quantized quantizes (round half to even, saturate), quantized → float dequantizes,
/// quantized → quantized requantizes, float → integer truncates toward zero, integer → integer wraps.
/// </summary>
internal static class CastKernels
{
    public static void Register(KernelTable table) =>
        table.Add<Cast>((op, c) => [TensorValues.Convert(c.Input(0), op.To)]);
}
