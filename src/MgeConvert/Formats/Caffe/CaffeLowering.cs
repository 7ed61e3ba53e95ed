using MgeConvert.Formats.Caffe.Proto;
using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Formats.Caffe;

/// <summary>
/// Turns an IR graph into a Caffe <see cref="NetParameter"/> with weights. Every node is tried, and all
/// nodes Caffe cannot express are reported together. Blob names are the IR value names; extra blobs and
/// layers get names derived from the node they come from.
/// </summary>
internal sealed partial class CaffeLowering
{
    private readonly Graph _graph;
    private readonly ConversionOptions _options;
    private readonly CaffeBackend _backend;
    private readonly Dictionary<Value, string> _blobs = [];
    private readonly HashSet<string> _blobNames = new(StringComparer.Ordinal);
    private readonly HashSet<string> _definedBlobs = new(StringComparer.Ordinal);
    private readonly HashSet<string> _layerNames = new(StringComparer.Ordinal);
    private readonly List<LayerParameter> _layers = [];
    private readonly Dictionary<Value, List<Node>> _consumers;
    private readonly HashSet<Value> _graphOutputs;
    private readonly Dictionary<Node, Node> _foldedBatchNorms = [];
    private readonly HashSet<Node> _skipped = [];
    private readonly Dictionary<BlobProto, FillValues> _deferredValues = new(ReferenceEqualityComparer.Instance);

    private CaffeLowering(Graph graph, ConversionOptions options, CaffeBackend backend)
    {
        _graph = graph;
        _options = options;
        _backend = backend;
        _consumers = graph.Consumers();
        _graphOutputs = [.. graph.Outputs];
        foreach (var input in graph.Inputs)
        {
            _blobNames.Add(input.Name);
        }

        foreach (var node in graph.Nodes)
        {
            _layerNames.Add(node.Name);
            foreach (var output in node.Outputs)
            {
                _blobNames.Add(output.Name);
            }
        }
    }

    /// <summary>Lowers <paramref name="graph"/>; throws <see cref="UnsupportedOpsException"/> naming every node Caffe cannot express.</summary>
    public static CaffeNet Lower(Graph graph, ConversionOptions options, CaffeBackend backend, string file)
    {
        var lowering = new CaffeLowering(graph, options, backend);
        var unsupported = new List<UnsupportedOp>();
        lowering.LowerInputs(unsupported);
        lowering.PlanFusions();
        foreach (var node in graph.Nodes)
        {
            if (lowering._skipped.Contains(node))
            {
                continue;
            }

            var mark = lowering._layers.Count;
            try
            {
                lowering.LowerNode(node);
            }
            catch (Exception e) when (e is NotExpressibleException or IrException or InvalidOperationException)
            {
                lowering._layers.RemoveRange(mark, lowering._layers.Count - mark);
                unsupported.Add(new UnsupportedOp(node.Op.Name, node.Name, e.Message));
                foreach (var output in node.Outputs)
                {
                    lowering._blobs.TryAdd(output, output.Name);
                }
            }
        }

        lowering.LowerPassThroughOutputs();
        foreach (var output in graph.Outputs.Where(o => o.IsConstant))
        {
            unsupported.Add(new UnsupportedOp("Constant", output.Name, "a constant graph output has no Caffe layer"));
        }

        if (unsupported.Count > 0)
        {
            throw new UnsupportedOpsException(file, "Caffe", unsupported);
        }

        lowering.Simplify();
        var net = new NetParameter { Name = graph.Name };
        net.Layer.AddRange(lowering._layers);
        return new CaffeNet(net, lowering._deferredValues);
    }

    private void LowerInputs(List<UnsupportedOp> unsupported)
    {
        foreach (var input in _graph.Inputs)
        {
            if (!input.Shape.IsStatic || !input.DType.Element.IsFloat())
            {
                unsupported.Add(new UnsupportedOp("Input", input.Name,
                    $"Caffe inputs are float blobs of a fixed shape, got {input.Type}"));
            }

            var layer = AddLayer(Unique(_layerNames, input.Name), "Input", [], [Define(input)]);
            layer.InputParam = new InputParameter();
            layer.InputParam.Shape.Add(Shape(input.Shape.HasRank ? input.Shape.Select(d => Math.Max(d, 1)).ToArray() : []));
        }
    }

    /// <summary>
    /// A graph output that is a graph input gets an in-place identity layer: Caffe readers run no layers
    /// for a net made of inputs alone, and this keeps the blob's name.
    /// </summary>
    private void LowerPassThroughOutputs()
    {
        foreach (var input in _graph.Inputs.Where(_graphOutputs.Contains))
        {
            var blob = Blob(input);
            AddLayer(Unique(_layerNames, $"{input.Name}/identity"), "Power", [blob], [blob]).PowerParam = new PowerParameter();
        }
    }

    private string Blob(Value value)
    {
        if (value.IsConstant)
        {
            throw new NotExpressibleException($"operand {value.Name} is a constant where Caffe needs a computed blob");
        }

        return _blobs.TryGetValue(value, out var name) ? name : throw new NotExpressibleException($"operand {value.Name} is not computed by any layer");
    }

    /// <summary>Gives an IR value its blob, named after the value (made unique if two values share a name).</summary>
    private string Define(Value value)
    {
        if (_blobs.TryGetValue(value, out var existing))
        {
            return existing;
        }

        var name = _definedBlobs.Add(value.Name) ? value.Name : Unique(_blobNames, value.Name);
        _definedBlobs.Add(name);
        _blobNames.Add(name);
        _blobs[value] = name;
        if (value.Shape is { IsStatic: true, Rank: > 0 })
        {
            _blobShapes[name] = value.Shape.ToArray();
        }

        return name;
    }

    private void Alias(Value value, string blob) => _blobs[value] = blob;

    private string TempBlob(string wanted) => Unique(_blobNames, wanted);

    private LayerParameter AddLayer(string name, string type, IEnumerable<string> bottoms, IEnumerable<string> tops)
    {
        var layer = new LayerParameter { Name = name, Type = type };
        layer.Bottom.AddRange(bottoms);
        layer.Top.AddRange(tops);
        _layers.Add(layer);
        return layer;
    }

    /// <summary>The layer that carries the node's own name.</summary>
    private LayerParameter Main(Node node, string type, IEnumerable<string> bottoms, IEnumerable<string> tops) =>
        AddLayer(node.Name, type, bottoms, tops);

    /// <summary>A helper layer of a node, named "node/suffix".</summary>
    private LayerParameter Extra(Node node, string suffix, string type, IEnumerable<string> bottoms, IEnumerable<string> tops) =>
        AddLayer(Unique(_layerNames, $"{node.Name}/{suffix}"), type, bottoms, tops);

    private static string Unique(HashSet<string> used, string wanted)
    {
        if (used.Add(wanted))
        {
            return wanted;
        }

        for (var i = 1; ; i++)
        {
            var candidate = $"{wanted}_{i}";
            if (used.Add(candidate))
            {
                return candidate;
            }
        }
    }

    private bool HasSingleConsumer(Value value, out Node consumer)
    {
        consumer = null!;
        if (_graphOutputs.Contains(value) || !_consumers.TryGetValue(value, out var list) || list.Count != 1)
        {
            return false;
        }

        consumer = list[0];
        return true;
    }

    private static BlobShape Shape(IEnumerable<long> dims)
    {
        var shape = new BlobShape();
        shape.Dim.AddRange(dims);
        return shape;
    }

    private BlobProto Weights(float[] data, params long[] dims)
    {
        var blob = new BlobProto { Shape = Shape(dims) };
        if (!_options.UseEmptyBlobs)
        {
            blob.Data.AddRange(data);
        }

        return blob;
    }

    /// <summary>
    /// A blob whose values are computed only when its layer is written, so the writer never holds the
    /// converted weights of the whole network at once.
    /// </summary>
    private BlobProto Weights(FillValues values, params long[] dims)
    {
        var blob = new BlobProto { Shape = Shape(dims) };
        if (!_options.UseEmptyBlobs)
        {
            _deferredValues[blob] = values;
        }

        return blob;
    }

    private static float[] Constant(Node node, int index, string role) => ConstantTensor(node, index, role) is { } t ? RealValues(t) : [];

    /// <summary>Dequantized values; float32 elements are taken as stored, without a detour through double.</summary>
    private static float[] RealValues(Tensor t) => t.DType is { Element: ElementType.Float32, Quant: null } ? t.ToFloats() : t.Dequantize();

    /// <summary>Like <see cref="RealValues"/>, but float32 elements are read in place.</summary>
    private static ReadOnlySpan<float> RealSpan(Tensor t) => t.DType is { Element: ElementType.Float32, Quant: null } ? t.Span<float>() : t.Dequantize();

    /// <summary>The constant operand, or null when the optional operand is absent.</summary>
    private static Tensor? ConstantTensor(Node node, int index, string role)
    {
        var value = node.InputOrNull(index);
        if (value is null)
        {
            return null;
        }

        return value.Constant ?? throw new NotExpressibleException($"{role} ({value.Name}) must be a constant for Caffe");
    }

    private static long[] StaticShape(Value value) =>
        value.Shape.IsStatic ? value.Shape.ToArray() : throw new NotExpressibleException($"{value.Name} has no static shape {value.Shape}");
}
