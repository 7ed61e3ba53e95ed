using MgeConvert.Formats.Onnx.Proto;
using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Formats.Onnx;

/// <summary>What an export rule sees of one IR node, and where it puts the ONNX nodes it produces.</summary>
internal sealed class OnnxExportContext
{
    private readonly OnnxGraphExporter _exporter;
    private readonly List<NodeProto> _nodes = [];
    private string? _linearOutput;

    public OnnxExportContext(OnnxGraphExporter exporter, Node node)
    {
        _exporter = exporter;
        Node = node;
    }

    public Node Node { get; }

    public Op Op => Node.Op;

    public int Opset => _exporter.Opset;

    public Value InValue(int index) => Node.Input(index);

    public bool HasInput(int index) => Node.InputOrNull(index) is not null;

    public string In(int index) => _exporter.Use(Node.Input(index));

    public string OptIn(int index) => Node.InputOrNull(index) is { } v ? _exporter.Use(v) : "";

    public Shape InShape(int index) => Node.Input(index).Shape;

    public Shape OutShape(int index) => Node.Outputs[index].Shape;

    /// <summary>An axis of input 0 as a non-negative number (negative axes are only accepted from opset 11).</summary>
    public long Axis(long axis) => ShapeMath.Axis(axis, InShape(0).Rank);

    public long[] Axes(long[] axes, int rank) => [.. axes.Select(a => (long)ShapeMath.Axis(a, rank))];

    /// <summary>The name the op's output i is written to (a fresh intermediate when an activation is fused in).</summary>
    public string Out(int index)
    {
        if (index == 0 && Op is IFusableActivation { Activation: not FusedActivation.None })
        {
            return _linearOutput ??= _exporter.Fresh(Node.Outputs[0].Name + "_linear");
        }

        return Node.Outputs[index].Name;
    }

    public IEnumerable<string> Outs => Node.Outputs.Select((_, i) => Out(i));

    /// <summary>The node computing this op's outputs; carries the IR node's name.</summary>
    public void Main(string opType, IEnumerable<string> inputs, IEnumerable<string> outputs, params AttributeProto[] attributes)
    {
        CheckType(opType);
        _nodes.Add(OnnxGraphExporter.NewNode(opType, Node.Name, inputs, outputs, attributes));
    }

    public void Main(string opType, IEnumerable<string> inputs, params AttributeProto[] attributes) => Main(opType, inputs, Outs, attributes);

    /// <summary>A helper node computing an intermediate value; returns the value's name.</summary>
    public string Helper(string opType, IEnumerable<string> inputs, params AttributeProto[] attributes)
    {
        CheckType(opType);
        var output = _exporter.Fresh($"{Node.Outputs[0].Name}_{opType.ToLowerInvariant()}");
        _nodes.Add(OnnxGraphExporter.NewNode(opType, _exporter.Fresh($"{Node.Name}_{opType.ToLowerInvariant()}"), inputs, [output], attributes));
        return output;
    }

    public string Const(string hint, Tensor data) => _exporter.Initializer($"{Node.Name}_{hint}", data);

    public string Ints(string hint, long[] values) => Const(hint, Tensor.Vector(values));

    /// <summary>A scalar of the given element type (clip bounds, pad values, ...), saturated to its range.</summary>
    public string Scalar(string hint, ElementType type, double value) => Const(hint, OnnxScalars.Make(type, value));

    public OnnxUnsupportedException Unsupported(string reason) => new(reason);

    public OnnxUnsupportedException NeedsOpset(int opset, string what) =>
        new($"{what} needs opset {opset} or later (target opset {Opset}) and has no faithful decomposition");

    /// <summary>Refuses an op whose element type (that of the IR node's first input) the target opset does not accept.</summary>
    public void CheckType(string opType)
    {
        if (Node.Inputs.Count == 0 || Node.Inputs[0] is not { } first)
        {
            return;
        }

        var element = first.DType.Element;
        if (OnnxTypeSupport.MinOpset(opType, element) is { } since && Opset < since)
        {
            throw since == int.MaxValue
                ? Unsupported($"ONNX {opType} does not accept {element} values")
                : NeedsOpset(since, $"{opType} of {element} values");
        }
    }

    public void CheckQuantizedInputs()
    {
        // Concatenating integers of one quantization is exact (ConcatQuantizedValues leaves such concats).
        if (Op is Cast || (Op is Concat && Node.Output.DType is { IsQuantized: true } q
            && Node.Inputs.All(v => v is not null && v.DType == q)))
        {
            return;
        }

        if (Node.Inputs.Any(v => v is { DType.IsQuantized: true }) || Node.Outputs.Any(v => v.DType.IsQuantized))
        {
            throw Unsupported("quantized operands are only exported through QuantizeLinear/DequantizeLinear (Cast)");
        }
    }

    /// <summary>Appends the fused activation (if any) and hands the nodes to the graph.</summary>
    public void Commit()
    {
        if (_linearOutput is not null)
        {
            var activation = ((IFusableActivation)Op).Activation;
            var name = _exporter.Fresh($"{Node.Name}_{activation.ToString().ToLowerInvariant()}");
            var output = Node.Outputs[0].Name;
            _nodes.Add(activation switch
            {
                FusedActivation.Relu => OnnxGraphExporter.NewNode("Relu", name, [_linearOutput], [output]),
                FusedActivation.Sigmoid => OnnxGraphExporter.NewNode("Sigmoid", name, [_linearOutput], [output]),
                FusedActivation.Tanh => OnnxGraphExporter.NewNode("Tanh", name, [_linearOutput], [output]),
                FusedActivation.Relu6 => ClipNode(name, _linearOutput, output, 0, 6, Node.Outputs[0].DType.Element),
                _ => throw Unsupported($"fused activation {activation}"),
            });
        }

        _exporter.Add(_nodes);
    }

    /// <summary>A Clip node in the form of the target opset (attributes before 11, inputs from 11).</summary>
    public NodeProto ClipNode(string name, string input, string output, float min, float max, ElementType type)
    {
        if (Opset < 11)
        {
            var attributes = new List<AttributeProto>();
            if (!float.IsNegativeInfinity(min))
            {
                attributes.Add(OnnxAttributes.Float("min", min));
            }

            if (!float.IsPositiveInfinity(max))
            {
                attributes.Add(OnnxAttributes.Float("max", max));
            }

            return OnnxGraphExporter.NewNode("Clip", name, [input], [output], [.. attributes]);
        }

        if (Opset < 12 && !type.IsFloat())
        {
            throw NeedsOpset(12, "Clip of integers");
        }

        var lo = float.IsNegativeInfinity(min) ? "" : Scalar("min", type, min);
        var hi = float.IsPositiveInfinity(max) ? "" : Scalar("max", type, max);
        var inputs = hi.Length > 0 ? new[] { input, lo, hi } : lo.Length > 0 ? [input, lo] : [input];
        return OnnxGraphExporter.NewNode("Clip", name, inputs, [output]);
    }
}
