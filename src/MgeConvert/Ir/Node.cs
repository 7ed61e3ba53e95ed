namespace MgeConvert.Ir;

/// <summary>One operation application. Absent optional inputs are null.</summary>
public sealed class Node
{
    public Node(string name, Op op, IEnumerable<Value?> inputs, IEnumerable<Value> outputs)
    {
        Name = name;
        Op = op;
        Inputs = [.. inputs];
        Outputs = [.. outputs];
        foreach (var o in Outputs)
        {
            o.Producer = this;
        }
    }

    public string Name { get; set; }

    public Op Op { get; set; }

    public List<Value?> Inputs { get; }

    public List<Value> Outputs { get; }

    public Value Output => Outputs[0];

    /// <summary>Input <paramref name="index"/>, or null when absent.</summary>
    public Value? InputOrNull(int index) => index < Inputs.Count ? Inputs[index] : null;

    public Value Input(int index) =>
        InputOrNull(index) ?? throw new InvalidOperationException($"node {Name} ({Op.Name}) has no input {index}");

    public override string ToString() => $"{Name} ({Op.Name})";
}
