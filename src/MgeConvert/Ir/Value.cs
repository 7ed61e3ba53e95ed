namespace MgeConvert.Ir;

/// <summary>
/// A tensor flowing through the graph: a graph input, a constant (<see cref="Constant"/> set), or the
/// output of exactly one node (<see cref="Producer"/> set).
/// </summary>
public sealed class Value
{
    public Value(string name, TensorType type)
    {
        Name = name;
        Type = type;
    }

    public Value(string name, Tensor constant)
        : this(name, constant.Type)
    {
        Constant = constant;
    }

    public string Name { get; set; }

    public TensorType Type { get; set; }

    public DataType DType => Type.DType;

    public Shape Shape => Type.Shape;

    /// <summary>Data of a constant (initializer / weight); null for computed values and graph inputs.</summary>
    public Tensor? Constant { get; private set; }

    public bool IsConstant => Constant is not null;

    /// <summary>The node computing this value; null for graph inputs and constants.</summary>
    public Node? Producer { get; internal set; }

    /// <summary>Turns a computed value into a constant (constant folding).</summary>
    public void SetConstant(Tensor data)
    {
        Constant = data;
        Type = data.Type;
        Producer = null;
    }

    public override string ToString() => $"%{Name}: {Type}";
}
