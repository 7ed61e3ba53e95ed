namespace MgeConvert.Ir;

/// <summary>
/// An IR operation with typed attributes. Semantics follow the ONNX operator of the same name unless the
/// op's documentation says otherwise (numpy broadcasting, NCHW layouts, OIHW weights). Shape-like operands
/// (reshape targets, axes, pads, slice bounds) are attributes; readers resolve them to constants.
/// </summary>
// Public properties are the attributes GraphPrinter lists by reflection; kept for every op under trimming/AOT.
[System.Diagnostics.CodeAnalysis.DynamicallyAccessedMembers(System.Diagnostics.CodeAnalysis.DynamicallyAccessedMemberTypes.PublicProperties)]
public abstract record Op
{
    /// <summary>The op's name in dumps and error messages.</summary>
    public virtual string Name => GetType().Name;

    public virtual int MinInputs => 1;

    public virtual int MaxInputs => MinInputs;

    /// <summary>Computes output types from the inputs; throws <see cref="IrException"/> on invalid inputs.</summary>
    public abstract TensorType[] InferTypes(InferenceContext context);
}

/// <summary>An op that can absorb a following activation (Conv+ReLU and the like).</summary>
public interface IFusableActivation
{
    FusedActivation Activation { get; }

    Op WithActivation(FusedActivation activation);
}

public enum FusedActivation
{
    None,
    Relu,
    Relu6,
    Sigmoid,
    Tanh,
}

/// <summary>What an op sees of its inputs during type inference.</summary>
public sealed class InferenceContext(Op op, IReadOnlyList<Value?> inputs)
{
    public Op Op { get; } = op;

    public IReadOnlyList<Value?> Inputs { get; } = inputs;

    public int Count => Inputs.Count;

    public bool Has(int index) => index < Inputs.Count && Inputs[index] is not null;

    public TensorType Type(int index) =>
        (index < Inputs.Count ? Inputs[index] : null)?.Type ?? throw Error($"input {index} is missing");

    public Shape Shape(int index) => Type(index).Shape;

    public DataType DType(int index) => Type(index).DType;

    public Tensor? Constant(int index) => index < Inputs.Count ? Inputs[index]?.Constant : null;

    public IrException Error(string message) => new($"{Op.Name}: {message}");
}

public class IrException(string message) : Exception(message);
