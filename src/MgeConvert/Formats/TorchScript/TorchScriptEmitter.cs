using System.Text;
using MgeConvert.Ir;
using static MgeConvert.Formats.TorchScript.TorchScriptLiterals;

namespace MgeConvert.Formats.TorchScript;

/// <summary>
/// Turns the IR into the TorchScript source of one module class: one statement per op (a few for ops PyTorch
/// spells in several calls), constants as tensor attributes of the module. Quantized values are carried as
/// their real (dequantized) values and re-quantized with fake_quantize wherever their quantization changes.
/// </summary>
internal sealed partial class TorchScriptEmitter
{
    private readonly Graph _graph;
    private readonly Dictionary<Value, string> _names = [];
    private readonly HashSet<string> _used = new(StringComparer.Ordinal) { "self", "torch", "ops", "annotate", "Tensor" };
    private readonly List<string> _body = [];

    /// <summary>Values some node reads (not only the graph outputs).</summary>
    private readonly HashSet<Value> _read;

    /// <summary>Locals declared for op outputs (the ones that may be reassigned in place).</summary>
    private readonly HashSet<string> _declared = new(StringComparer.Ordinal);
    private int _temps;

    public TorchScriptEmitter(Graph graph)
    {
        _graph = graph;
        _read = [.. graph.Nodes.SelectMany(n => n.Inputs.OfType<Value>())];
    }

    public List<(string Name, Tensor Tensor)> Attributes { get; } = [];

    public List<UnsupportedOp> Unsupported { get; } = [];

    public string Emit(string className)
    {
        var parameters = new List<string>();
        foreach (var input in _graph.Inputs)
        {
            var name = Unique(Identifier("x_", input.Name));
            parameters.Add(name + ": Tensor");
            _names[input] = name;
            if (input.DType.IsQuantized && input.DType.Element.IsFloat())
            {
                var onGrid = Unique(name + "_fq");
                Let(onGrid, FakeQuantize(name, input));
                _names[input] = onGrid;
            }
            else if (input.DType.Quant is { } q)
            {
                var real = Unique(name + "_real");
                Let(real, Dequantize(name, q, input.Name));
                _names[input] = real;
            }
        }

        foreach (var node in _graph.Nodes)
        {
            var before = _body.Count;
            try
            {
                if (!Lower(node))
                {
                    Unsupported.Add(new UnsupportedOp(node.Op.Name, node.Name));
                }
                else
                {
                    RequantizeOutputs(node);
                }
            }
            catch (NotExpressibleException e)
            {
                _body.RemoveRange(before, _body.Count - before);
                Unsupported.Add(new UnsupportedOp(node.Op.Name, node.Name, e.Message));
            }
        }

        var results = new List<string>();
        foreach (var output in _graph.Outputs)
        {
            try
            {
                results.Add(OutputExpression(output));
            }
            catch (NotExpressibleException e)
            {
                Unsupported.Add(new UnsupportedOp("output", output.Name, e.Message));
            }
        }

        var source = new StringBuilder();
        source.Append("class ").Append(className).Append("(Module):\n");
        source.Append("  __parameters__ = []\n");
        source.Append("  __buffers__ = []\n");
        source.Append("  training : bool\n");
        source.Append("  _is_full_backward_hook : Optional[bool]\n");
        foreach (var (name, _) in Attributes)
        {
            source.Append("  ").Append(name).Append(" : Tensor\n");
        }

        var returnType = results.Count == 1 ? "Tensor" : "Tuple[" + string.Join(", ", results.Select(_ => "Tensor")) + "]";
        source.Append("  def forward(self: __torch__.").Append(className);
        foreach (var p in parameters)
        {
            source.Append(",\n    ").Append(p);
        }

        source.Append(") -> ").Append(returnType).Append(":\n");
        foreach (var line in _body)
        {
            source.Append("    ").Append(line).Append('\n');
        }

        source.Append("    return ").Append(results.Count == 1 ? results[0] : "(" + string.Join(", ", results) + ")").Append('\n');
        return source.ToString();
    }

    /// <summary>The expression that reads a value: a local, or a module attribute for constants.</summary>
    private string Ref(Value value)
    {
        if (_names.TryGetValue(value, out var name))
        {
            return name;
        }

        if (value.Constant is { } tensor)
        {
            var attr = Unique(Identifier("c_", value.Name));
            Attributes.Add((attr, TorchTensors.Storable(tensor)));
            _names[value] = "self." + attr;
            return _names[value];
        }

        throw new NotExpressibleException($"value {value.Name} is used before it is computed");
    }

    private string X(Node node, int index) => Ref(node.Input(index));

    private string? Optional(Node node, int index) => node.InputOrNull(index) is { } v ? Ref(v) : null;

    /// <summary>Declares the local that holds output <paramref name="index"/> of a node.</summary>
    private string Out(Node node, int index = 0)
    {
        var value = node.Outputs[index];
        var name = Unique(Identifier("v_", value.Name));
        _names[value] = name;
        _declared.Add(name);
        return name;
    }

    private string Temp() => Unique("_" + _temps++);

    private void Let(string name, string expression) => _body.Add($"{name} = {expression}");

    private string Unique(string wanted)
    {
        if (_used.Add(wanted))
        {
            return wanted;
        }

        for (var i = 1; ; i++)
        {
            if (_used.Add($"{wanted}_{i}"))
            {
                return $"{wanted}_{i}";
            }
        }
    }

    private static string Call(string function, params string?[] args) =>
        $"torch.{function}({string.Join(", ", args.Select(a => a ?? "None"))})";

    /// <summary>Applies a fused activation to the local <paramref name="name"/> in place.</summary>
    private void Activate(string name, FusedActivation activation)
    {
        switch (activation)
        {
            case FusedActivation.None: break;
            case FusedActivation.Relu: Let(name, Call("relu", name)); break;
            case FusedActivation.Relu6: Let(name, Call("clamp", name, "0.", "6.")); break;
            case FusedActivation.Sigmoid: Let(name, Call("sigmoid", name)); break;
            case FusedActivation.Tanh: Let(name, Call("tanh", name)); break;
            default: throw new NotExpressibleException($"fused activation {activation}");
        }
    }

    private string OutputExpression(Value output)
    {
        var reference = _names.ContainsKey(output) || output.IsConstant ? Ref(output) : "None";
        if (output.DType.Quant is not { } q || output.IsConstant || output.DType.Element.IsFloat())
        {
            return reference;
        }

        var raw = Unique(Identifier("out_", output.Name));
        Let(raw, Quantize(reference, q, output.DType.Element, output.Name));
        return raw;
    }
}

/// <summary>An op (or attribute combination) this target cannot express.</summary>
internal sealed class NotExpressibleException(string message) : Exception(message);
