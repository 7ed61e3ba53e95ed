using MgeConvert.Formats.Onnx.Proto;
using MgeConvert.Ir;

namespace MgeConvert.Formats.Onnx;

/// <summary>Builds the ONNX GraphProto for an IR graph at one opset, node by node, through <see cref="OnnxExportTable"/>.</summary>
internal sealed class OnnxGraphExporter
{
    private readonly Graph _graph;
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly HashSet<Value> _defined = [];
    private readonly GraphProto _proto = new();

    public OnnxGraphExporter(Graph graph, int opset)
    {
        _graph = graph;
        Opset = opset;
        foreach (var v in graph.Inputs.Concat(graph.Constants()).Concat(graph.Nodes.SelectMany(n => n.Outputs)))
        {
            _names.Add(v.Name);
        }

        foreach (var n in graph.Nodes)
        {
            _names.Add(n.Name);
        }
    }

    public int Opset { get; }

    public List<UnsupportedOp> Unsupported { get; } = [];

    public GraphProto Export(string graphName)
    {
        _proto.Name = graphName;
        foreach (var input in _graph.Inputs)
        {
            _proto.Input.Add(ValueInfo(input));
            _defined.Add(input);
        }

        foreach (var output in _graph.Outputs.Where(o => o.IsConstant).Distinct())
        {
            _proto.Node.Add(NewNode("Constant", Fresh(output.Name + "_constant"), [], [output.Name], OnnxAttributes.Tensor("value", OnnxTensors.FromTensor(output.Name, output.Constant!))));
            _defined.Add(output);
        }

        foreach (var node in _graph.Nodes)
        {
            var context = new OnnxExportContext(this, node);
            try
            {
                if (!OnnxExportTable.Rules.TryGetValue(node.Op.GetType(), out var rule))
                {
                    throw new OnnxUnsupportedException("no ONNX form for this op");
                }

                context.CheckQuantizedInputs();
                rule(context);
                context.Commit();
            }
            catch (OnnxUnsupportedException e)
            {
                Unsupported.Add(new UnsupportedOp(node.Op.Name, node.Name, e.Message));
            }
        }

        foreach (var output in _graph.Outputs)
        {
            _proto.Output.Add(ValueInfo(output));
        }

        return _proto;
    }

    /// <summary>The ONNX name of a value; constants become initializers on first use.</summary>
    public string Use(Value value)
    {
        if (value.Constant is { } data && _defined.Add(value))
        {
            _proto.Initializer.Add(OnnxTensors.FromTensor(value.Name, data));
        }

        return value.Name;
    }

    public string Initializer(string hint, Tensor data)
    {
        var name = Fresh(hint);
        _proto.Initializer.Add(OnnxTensors.FromTensor(name, data));
        return name;
    }

    public string Fresh(string wanted)
    {
        var candidate = wanted;
        for (var i = 1; !_names.Add(candidate); i++)
        {
            candidate = $"{wanted}_{i}";
        }

        return candidate;
    }

    public void Add(IEnumerable<NodeProto> nodes) => _proto.Node.AddRange(nodes);

    public static NodeProto NewNode(string opType, string name, IEnumerable<string> inputs, IEnumerable<string> outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = name };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        return node;
    }

    private static ValueInfoProto ValueInfo(Value value)
    {
        var tensor = new TypeProto.Types.Tensor { ElemType = OnnxTensors.ToOnnx(value.DType.Element) };
        if (value.Shape.HasRank)
        {
            tensor.Shape = new TensorShapeProto();
            foreach (var d in value.Shape)
            {
                tensor.Shape.Dim.Add(d >= 0 ? new TensorShapeProto.Types.Dimension { DimValue = d } : new TensorShapeProto.Types.Dimension());
            }
        }

        return new ValueInfoProto { Name = value.Name, Type = new TypeProto { TensorType = tensor } };
    }
}
