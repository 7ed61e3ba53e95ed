using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Reference;

/// <summary>
/// Folds an op when all of its present inputs are constants (ShapeOf: when the input shape is static) by running
/// its reference kernel. Refuses results with more than <see cref="MaxElements"/> elements, so large weights are
/// not duplicated by folding (a transposed copy of a weight, say).
/// </summary>
public sealed class ConstantEvaluator(long maxElements = ConstantEvaluator.DefaultMaxElements) : IConstantEvaluator
{
    public const long DefaultMaxElements = 16L * 1024 * 1024;

    public long MaxElements { get; } = maxElements;

    public Tensor[]? TryEvaluate(Op op, IReadOnlyList<Value?> inputs) => TryEvaluate(op, inputs, null);

    /// <summary>Folds a node, producing its declared output data types (which may carry other quant parameters).</summary>
    public Tensor[]? TryEvaluate(Node node) => TryEvaluate(node.Op, node.Inputs, [.. node.Outputs.Select(o => o.DType)]);

    private Tensor[]? TryEvaluate(Op op, IReadOnlyList<Value?> inputs, DataType[]? outputTypes)
    {
        if (op is ShapeOf && inputs.Count == 1 && inputs[0] is { Shape.IsStatic: true } shaped)
        {
            return [Tensor.Vector(shaped.Shape.ToArray())];
        }

        if (!KernelTable.Default.Supports(op) || inputs.Any(v => v is { IsConstant: false }) || inputs.All(v => v is null))
        {
            return null;
        }

        TensorType[] types;
        try
        {
            types = op.InferTypes(new InferenceContext(op, inputs));
        }
        catch (IrException)
        {
            return null;
        }

        if (types.Any(t => t.Shape.IsStatic && t.Shape.ElementCount > MaxElements))
        {
            return null;
        }

        var context = new KernelContext(op.Name, [.. inputs.Select(v => v?.Constant)], outputTypes ?? [.. types.Select(t => t.DType)]);
        try
        {
            var results = KernelTable.Default.Run(op, context);
            return results.Any(t => t.ElementCount > MaxElements) ? null : results;
        }
        catch (Exception e) when (e is IrException or NotSupportedException or ArgumentException or InvalidOperationException)
        {
            return null;
        }
    }
}
