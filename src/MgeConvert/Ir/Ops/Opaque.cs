namespace MgeConvert.Ir.Ops;

/// <summary>
/// Placeholder for an operator the IR cannot express, kept so a model can still be inspected or checked.
/// Its outputs have unknown shape and, lacking better knowledge, the first input's element type (float32
/// without inputs). No writer accepts it.
/// </summary>
public sealed record Opaque(string Domain, string OpType, int OutputCount) : Op
{
    public override string Name => Domain.Length == 0 ? $"{OpType} (unsupported)" : $"{Domain}.{OpType} (unsupported)";

    public override int MinInputs => 0;

    public override int MaxInputs => int.MaxValue;

    public override TensorType[] InferTypes(InferenceContext context)
    {
        var first = context.Inputs.FirstOrDefault(i => i is not null);
        var dtype = first?.DType ?? new DataType(ElementType.Float32);
        return [.. Enumerable.Repeat(new TensorType(dtype, Shape.Unknown), OutputCount)];
    }
}
