using System.Text;
using MgeConvert.Formats.Onnx.Proto;
using MgeConvert.Ir;

namespace MgeConvert.Formats.Onnx;

/// <summary>What an import rule sees of one ONNX node: its inputs as IR values, attributes, opset, and the builder.</summary>
internal sealed class OnnxNodeContext
{
    private readonly OnnxGraphImporter _importer;
    private readonly Value?[] _inputs;
    private readonly Dictionary<string, AttributeProto> _attributes;

    public OnnxNodeContext(OnnxGraphImporter importer, NodeProto node, Value?[] inputs, string nodeName)
    {
        _importer = importer;
        Node = node;
        _inputs = inputs;
        NodeName = nodeName;
        _attributes = [];
        foreach (var a in node.Attribute)
        {
            _attributes[a.Name] = a;
        }
    }

    public NodeProto Node { get; }

    public string NodeName { get; }

    public int Opset => _importer.Opset;

    public int InputCount => _inputs.Length;

    public int OutputCount => Node.Output.Count(o => o.Length > 0);

    public Value In(int index) => Opt(index) ?? throw Unsupported($"required input {index} is missing");

    public Value? Opt(int index) => index < _inputs.Length ? _inputs[index] : null;

    public IEnumerable<Value> Inputs => _inputs.Select((v, i) => v ?? throw Unsupported($"input {i} is missing"));

    public bool HasOutput(int index) => index < Node.Output.Count && Node.Output[index].Length > 0;

    public bool Has(string name) => _attributes.ContainsKey(name);

    public long Int(string name, long fallback) => _attributes.TryGetValue(name, out var a) ? a.I : fallback;

    public float Float(string name, float fallback) => _attributes.TryGetValue(name, out var a) ? a.F : fallback;

    public string Str(string name, string fallback) =>
        _attributes.TryGetValue(name, out var a) ? Encoding.UTF8.GetString(a.S.Span) : fallback;

    public long[]? Ints(string name) => _attributes.TryGetValue(name, out var a) ? [.. a.Ints] : null;

    public float[]? Floats(string name) => _attributes.TryGetValue(name, out var a) ? [.. a.Floats] : null;

    public AttributeProto? Attribute(string name) => _attributes.GetValueOrDefault(name);

    /// <summary>The data of a shape-like input, which must be constant once folded; null when the input is absent.</summary>
    public Tensor? Const(int index)
    {
        var value = Opt(index);
        if (value is null)
        {
            return null;
        }

        return value.Constant ?? throw Unsupported($"input {index} ({value.Name}) must be a constant, but it is computed at run time");
    }

    public long[]? ConstInts(int index) => Const(index)?.ToInt64s();

    public float[]? ConstFloats(int index) => Const(index)?.ToFloats();

    /// <summary>A static input shape (needed to resolve auto_pad, resize scales and the like).</summary>
    public long[] StaticShape(int index, string why)
    {
        var shape = In(index).Shape;
        return shape.IsStatic ? shape.ToArray() : throw Unsupported($"{why} needs a static input shape, got {shape}");
    }

    public int Rank(int index)
    {
        var shape = In(index).Shape;
        return shape.HasRank ? shape.Rank : throw Unsupported("input rank is unknown");
    }

    /// <summary>Adds the op that computes this ONNX node's outputs (named as in the file).</summary>
    public Value[] Apply(Op op, params Value?[] inputs) => _importer.ApplyFinal(this, op, inputs);

    /// <summary>Computes output <paramref name="index"/> when the node has it, else an internal value.</summary>
    public Value ApplyAt(int index, Op op, params Value?[] inputs) =>
        HasOutput(index) ? _importer.ApplyFinalAt(this, index, op, inputs) : Temp(op, inputs);

    /// <summary>Adds a helper op whose output is internal to this node's translation.</summary>
    public Value Temp(Op op, params Value?[] inputs) => _importer.ApplyTemp(this, op, inputs)[0];

    public Value Constant(Tensor data) => _importer.Constant(this, data);

    /// <summary>Defines this node's single output as constant data.</summary>
    public Value[] ApplyConstant(Tensor data) => [ApplyConstantAt(0, data)];

    public Value ApplyConstantAt(int index, Tensor data) => _importer.NamedConstant(Node.Output[index], data);

    /// <summary>Whether input <paramref name="index"/> is a graph input that only DequantizeLinear nodes read (and no graph output returns).</summary>
    public bool InputIsDequantizedGraphInput(int index) => index < Node.Input.Count && _importer.IsOnlyDequantized(Node.Input[index]);

    public OnnxUnsupportedException Unsupported(string reason) => new(reason);
}
