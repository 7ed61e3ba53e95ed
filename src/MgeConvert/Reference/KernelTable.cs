using MgeConvert.Ir;
using MgeConvert.Reference.Kernels;

namespace MgeConvert.Reference;

/// <summary>
/// The reference kernels, keyed by op type. A new IR op needs one entry here (via its family's Register).
/// Float ops are computed in double and rounded to the output type, which equals float32 arithmetic for the
/// basic operations. Quantized operands are dequantized to reals and quantized outputs re-quantized with the
/// output's parameters (fake-quant semantics).
/// </summary>
public sealed class KernelTable
{
    private readonly Dictionary<Type, Kernel> _kernels = [];

    private KernelTable()
    {
    }

    /// <summary>The table with every IR op.</summary>
    public static KernelTable Default { get; } = CreateDefault();

    internal void Add<T>(Func<T, KernelContext, Tensor[]> kernel)
        where T : Op => _kernels[typeof(T)] = (op, context) => kernel((T)op, context);

    public bool Supports(Op op) => _kernels.ContainsKey(op.GetType());

    /// <summary>Runs the kernel of <paramref name="op"/>; throws <see cref="NotSupportedException"/> when there is none.</summary>
    public Tensor[] Run(Op op, KernelContext context) =>
        _kernels.TryGetValue(op.GetType(), out var kernel)
            ? kernel(op, context)
            : throw new NotSupportedException($"the reference interpreter has no kernel for {op.Name}");

    private static KernelTable CreateDefault()
    {
        var table = new KernelTable();
        UnaryKernels.Register(table);
        BinaryKernels.Register(table);
        ConvolutionKernels.Register(table);
        PoolingKernels.Register(table);
        NormalizationKernels.Register(table);
        LinearKernels.Register(table);
        SoftmaxKernels.Register(table);
        ReductionKernels.Register(table);
        ShapeKernels.Register(table);
        CastKernels.Register(table);
        SlicingKernels.Register(table);
        PadKernels.Register(table);
        ResizeKernels.Register(table);
        return table;
    }
}
