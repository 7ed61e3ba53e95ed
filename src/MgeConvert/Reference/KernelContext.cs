using MgeConvert.Ir;

namespace MgeConvert.Reference;

/// <summary>What a kernel sees: its input tensors (null = absent optional input) and the wanted output data types.</summary>
public sealed class KernelContext(string nodeName, IReadOnlyList<Tensor?> inputs, IReadOnlyList<DataType> outputTypes)
{
    public string NodeName { get; } = nodeName;

    public IReadOnlyList<Tensor?> Inputs { get; } = inputs;

    public IReadOnlyList<DataType> OutputTypes { get; } = outputTypes;

    public Tensor Input(int index) =>
        Optional(index) ?? throw new IrException($"node {NodeName}: input {index} is missing");

    public Tensor? Optional(int index) => index < Inputs.Count ? Inputs[index] : null;

    public DataType OutputType(int index = 0) => OutputTypes[index];

    /// <summary>Real-valued result in the wanted output type (quantized outputs are re-quantized).</summary>
    public Tensor Reals(long[] dims, double[] values, int output = 0) =>
        TensorValues.FromReals(OutputType(output), dims, values);

    /// <summary>A computed tensor converted to the wanted output type when the two differ (e.g. other quant parameters).</summary>
    public Tensor Conform(Tensor result, int output = 0) => TensorValues.Convert(result, OutputType(output));
}

/// <summary>Computes the outputs of one op from its input tensors.</summary>
public delegate Tensor[] Kernel(Op op, KernelContext context);
