using MgeConvert.Formats.Onnx.Proto;
using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Formats.Onnx;

/// <summary>Translates one ONNX graph into the IR, node by node, through <see cref="OnnxImportTable"/>.</summary>
internal sealed class OnnxGraphImporter
{
    private readonly string _file;
    private readonly GraphProto _graph;
    private readonly GraphBuilder _builder;
    private readonly Dictionary<string, Value> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _onnxNames = new(StringComparer.Ordinal);
    private readonly HashSet<string> _usedNames = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _nextSuffix = new(StringComparer.Ordinal);
    private readonly List<UnsupportedOp> _unsupported = [];
    private readonly bool _allowUnsupported;

    public OnnxGraphImporter(string file, GraphProto graph, int opset, bool allowUnsupported = false)
    {
        _file = file;
        _allowUnsupported = allowUnsupported;
        _graph = graph;
        Opset = opset;
        _builder = new GraphBuilder(string.IsNullOrEmpty(graph.Name) ? "graph" : graph.Name, new Reference.ConstantEvaluator(4096));
        foreach (var name in graph.Input.Select(i => i.Name).Concat(graph.Initializer.Select(i => i.Name))
                     .Concat(graph.Node.SelectMany(n => n.Output)))
        {
            _onnxNames.Add(name);
        }
    }

    public int Opset { get; }

    /// <summary>ONNX type text of graph inputs/outputs the IR cannot type (only with allowUnsupported).</summary>
    public Dictionary<string, string> DeclaredTypes { get; } = new(StringComparer.Ordinal);

    public Graph Import()
    {
        var initializers = new HashSet<string>(_graph.Initializer.Select(t => t.Name), StringComparer.Ordinal);
        foreach (var input in _graph.Input.Where(i => !initializers.Contains(i.Name)))
        {
            var type = ValueType(input, "graph input");
            if (type is null && _allowUnsupported)
            {
                DeclaredTypes[input.Name] = OnnxTypeText.Of(input.Type);
                type = new TensorType(new DataType(ElementType.Float32), DeclaredShape(input));
            }

            if (type is not null)
            {
                _values[input.Name] = _builder.Input(input.Name, type.DType, type.Shape);
                _usedNames.Add(input.Name);
            }
        }

        foreach (var init in _graph.Initializer)
        {
            try
            {
                _values[init.Name] = _builder.Constant(init.Name, OnnxTensors.ToTensor(init));
                _usedNames.Add(init.Name);
            }
            catch (NotSupportedException) when (_allowUnsupported)
            {
                var name = FreshName(init.Name + "_initializer");
                _values[init.Name] = _builder.ApplyNamed(name, [init.Name], new Opaque("", "Initializer", 1))[0];
                _usedNames.Add(init.Name);
            }
            catch (NotSupportedException e)
            {
                _unsupported.Add(new UnsupportedOp("initializer", init.Name, e.Message));
            }
        }

        foreach (var node in _graph.Node)
        {
            ImportNode(node);
        }

        foreach (var output in _graph.Output)
        {
            var declared = ValueType(output, "graph output");
            if (_values.TryGetValue(output.Name, out var value))
            {
                if (_allowUnsupported && declared is null)
                {
                    DeclaredTypes[output.Name] = OnnxTypeText.Of(output.Type);
                }
                else if (value.Producer?.Op is Opaque && declared is not null)
                {
                    value.Type = declared;
                }

                _builder.Output(value);
            }
        }

        if (_unsupported.Count > 0)
        {
            throw new UnsupportedOpsException(_file, "the IR", _unsupported);
        }

        return _builder.Graph;
    }

    /// <summary>
    /// Gives an integer graph input the quantization it is dequantized with, when every ONNX node reading it is a
    /// DequantizeLinear with the same scale and zero-point operands and the graph does not return it (how a quantized
    /// model's input is written, e.g. by mge_to_onnx); false, changing nothing, otherwise.
    /// </summary>
    public bool TryQuantizeGraphInput(Value input, DataType quant)
    {
        if (input.Producer is not null || input.IsConstant || !_builder.Graph.Inputs.Contains(input) || input.DType.IsQuantized
            || input.DType.Element != quant.Element || _graph.Output.Any(o => o.Name == input.Name))
        {
            return false;
        }

        var readers = _graph.Node.Where(n => n.Input.Contains(input.Name)).ToList();
        var sameDequantize = readers.All(n => n.OpType == "DequantizeLinear" && n.Domain is "" or "ai.onnx" && n.Input.IndexOf(input.Name) == 0
            && n.Input.Skip(1).SequenceEqual(readers[0].Input.Skip(1), StringComparer.Ordinal));
        if (!sameDequantize)
        {
            return false;
        }

        input.Type = new TensorType(quant, input.Shape);
        return true;
    }

    public Value[] ApplyFinal(OnnxNodeContext context, Op op, Value?[] inputs)
    {
        if (context.Node.Output.Count == 1 && context.Node.Output[0] == context.NodeName)
        {
            return _builder.ApplyNamed(context.NodeName, null, op, inputs);
        }

        var names = context.Node.Output.Select(o => o.Length > 0 ? o : FreshName(context.NodeName + "_unused")).ToList();
        return _builder.ApplyNamed(context.NodeName, names, op, inputs);
    }

    /// <summary>An op computing only output <paramref name="index"/> of a multi-output ONNX node.</summary>
    public Value ApplyFinalAt(OnnxNodeContext context, int index, Op op, Value?[] inputs) =>
        _builder.ApplyNamed(index == 0 ? context.NodeName : FreshName($"{context.NodeName}_{index}"), [context.Node.Output[index]], op, inputs)[0];

    public Value[] ApplyTemp(OnnxNodeContext context, Op op, Value?[] inputs) =>
        _builder.ApplyNamed(FreshName($"{context.NodeName}_{op.Name.ToLowerInvariant()}"), null, op, inputs);

    public Value NamedConstant(string name, Tensor data) => _builder.Constant(name, data);

    public Value Constant(OnnxNodeContext context, Tensor data) => _builder.Constant(FreshName(context.NodeName + "_const"), data);

    private void ImportNode(NodeProto node)
    {
        var nodeName = NodeName(node);
        if (_allowUnsupported)
        {
            ImportOrPlaceholder(node, nodeName);
            return;
        }

        if (node.Domain is not ("" or "ai.onnx"))
        {
            _unsupported.Add(new UnsupportedOp($"{node.Domain}.{node.OpType}", nodeName, "operator domain is not the default ONNX domain"));
            return;
        }

        if (!OnnxImportTable.Rules.TryGetValue(node.OpType, out var rule))
        {
            _unsupported.Add(new UnsupportedOp(node.OpType, nodeName));
            return;
        }

        var inputs = new Value?[node.Input.Count];
        for (var i = 0; i < inputs.Length; i++)
        {
            var name = node.Input[i];
            if (name.Length == 0)
            {
                continue;
            }

            if (!_values.TryGetValue(name, out var value))
            {
                if (_unsupported.Count > 0)
                {
                    return;
                }

                throw new ModelFormatException(_file, $"input {name} is not produced by any earlier node, initializer or graph input", op: $"node {nodeName} ({node.OpType})");
            }

            inputs[i] = value;
        }

        var context = new OnnxNodeContext(this, node, inputs, nodeName);
        Value[] outputs;
        try
        {
            outputs = rule(context);
        }
        catch (OnnxUnsupportedException e)
        {
            _unsupported.Add(new UnsupportedOp(node.OpType, nodeName, e.Message));
            return;
        }
        catch (IrException e)
        {
            throw new ModelFormatException(_file, e.Message, op: $"node {nodeName} ({node.OpType})", inner: e);
        }

        for (var i = 0; i < node.Output.Count && i < outputs.Length; i++)
        {
            if (node.Output[i].Length > 0)
            {
                _values[node.Output[i]] = outputs[i];
            }
        }
    }

    /// <summary>Imports the node, or records it as an <see cref="Opaque"/> node when the IR cannot express it.</summary>
    private void ImportOrPlaceholder(NodeProto node, string nodeName)
    {
        var inputs = node.Input.Select(name => name.Length > 0 ? _values.GetValueOrDefault(name) : null).ToArray();
        var context = new OnnxNodeContext(this, node, inputs, nodeName);
        Value[]? outputs = null;
        var resolved = node.Input.Where(n => n.Length > 0).All(_values.ContainsKey);
        if (resolved && node.Domain is "" or "ai.onnx" && OnnxImportTable.Rules.TryGetValue(node.OpType, out var rule))
        {
            var before = _builder.Graph.Nodes.Count;
            try
            {
                outputs = rule(context);
            }
            catch (Exception e) when (e is OnnxUnsupportedException or IrException or NotSupportedException)
            {
                _builder.Graph.Nodes.RemoveRange(before, _builder.Graph.Nodes.Count - before);
            }
        }

        outputs ??= ApplyFinal(context, new Opaque(node.Domain is "ai.onnx" ? "" : node.Domain, node.OpType, node.Output.Count), inputs);
        for (var i = 0; i < node.Output.Count && i < outputs.Length; i++)
        {
            if (node.Output[i].Length > 0)
            {
                _values[node.Output[i]] = outputs[i];
            }
        }
    }

    private string NodeName(NodeProto node)
    {
        var wanted = node.Name;
        var ownOutput = node.Output.Count == 1 && node.Output[0] == wanted;
        if (wanted.Length == 0 || (_onnxNames.Contains(wanted) && !ownOutput) || _usedNames.Contains(wanted))
        {
            return FreshName(node.Name.Length > 0 ? node.Name : node.OpType.ToLowerInvariant());
        }

        _usedNames.Add(wanted);
        return wanted;
    }

    private string FreshName(string wanted)
    {
        var candidate = wanted;
        for (var i = _nextSuffix.GetValueOrDefault(wanted, 1); _onnxNames.Contains(candidate) || !_usedNames.Add(candidate); i++)
        {
            candidate = $"{wanted}_{i}";
            _nextSuffix[wanted] = i + 1;
        }

        return candidate;
    }

    private TensorType? ValueType(ValueInfoProto info, string what)
    {
        var type = info.Type;
        if (type is null || type.ValueCase != TypeProto.ValueOneofCase.TensorType)
        {
            var kind = type?.ValueCase.ToString() ?? "untyped";
            Refuse(new UnsupportedOp(what, info.Name, $"{what} {info.Name} is {kind}; only tensors are supported"));
            return null;
        }

        var element = OnnxTensors.ToElement(type.TensorType.ElemType);
        if (element is null)
        {
            Refuse(new UnsupportedOp(what, info.Name, $"{what} {info.Name} has element type {OnnxTensors.TypeName(type.TensorType.ElemType)}"));
            return null;
        }

        return new TensorType(new DataType(element.Value), DeclaredShape(info));
    }

    private static Shape DeclaredShape(ValueInfoProto info) =>
        info.Type?.TensorType?.Shape is { } s
            ? new Shape([.. s.Dim.Select(d => d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue ? d.DimValue : -1)])
            : Shape.Unknown;

    /// <summary>Records a graph input/output type the IR cannot hold; with allowUnsupported the caller keeps a placeholder.</summary>
    private void Refuse(UnsupportedOp what)
    {
        if (!_allowUnsupported)
        {
            _unsupported.Add(what);
        }
    }
}
