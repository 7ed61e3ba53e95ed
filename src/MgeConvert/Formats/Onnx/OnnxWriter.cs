using Google.Protobuf;
using MgeConvert.Formats.Onnx.Proto;
using MgeConvert.Ir;

namespace MgeConvert.Formats.Onnx;

/// <summary>Writes the IR as an ONNX model at opset 7–21 (options.Opset, default 13).</summary>
public sealed class OnnxWriter : IModelWriter, IWriterOpCounts
{
    public const int MinOpset = 7;
    public const int MaxOpset = 21;
    public const string ProducerName = "mgeconvert-dotnet";

    public ModelFormat Format => ModelFormat.Onnx;

    public IReadOnlyList<OutputFile> Prepare(Graph graph, ConversionOptions options)
    {
        var path = options.Output ?? throw new ArgumentException("an output path is required for ONNX", nameof(options));
        var model = Build(graph, options, path);
        LastTargetOps = OpHistogram.Of(model.Graph.Node.GroupBy(n => n.OpType, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal));
        return [new OutputFile(path, model.WriteTo)];
    }

    // Per flow of execution: one writer instance (the registry's) serves concurrent conversions.
    private readonly AsyncLocal<IReadOnlyList<OpCount>?> _lastTargetOps = new();

    public IReadOnlyList<OpCount> LastTargetOps
    {
        get => _lastTargetOps.Value ?? [];
        private set => _lastTargetOps.Value = value;
    }

    /// <summary>The model file's bytes; throws <see cref="UnsupportedOpsException"/> listing every op the opset cannot express.</summary>
    public static byte[] Serialize(Graph graph, ConversionOptions options, string path = "<onnx>") => Build(graph, options, path).ToByteArray();

    /// <summary>The model; its initializers reference the IR's tensor bytes, which are serialized straight to the file.</summary>
    private static ModelProto Build(Graph graph, ConversionOptions options, string path)
    {
        var opset = options.Opset;
        if (opset is < MinOpset or > MaxOpset)
        {
            throw new ModelFormatException(path, $"ONNX opset {opset} is not supported (expected {MinOpset}–{MaxOpset})");
        }

        var exporter = new OnnxGraphExporter(graph, opset);
        var graphProto = exporter.Export(options.GraphName);
        if (exporter.Unsupported.Count > 0)
        {
            throw new UnsupportedOpsException(path, $"ONNX opset {opset}", exporter.Unsupported);
        }

        var model = new ModelProto
        {
            IrVersion = IrVersion(opset),
            ProducerName = ProducerName,
            ProducerVersion = typeof(OnnxWriter).Assembly.GetName().Version?.ToString(3) ?? "",
            Graph = graphProto,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        foreach (var (key, value) in graph.Metadata.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        }

        return model;
    }

    /// <summary>
    /// The IR version released with each opset; at least 4, since earlier IR versions require every
    /// initializer to be repeated as a graph input.
    /// </summary>
    private static long IrVersion(int opset) => opset switch
    {
        <= 9 => 4,
        10 => 5,
        11 => 6,
        <= 14 => 7,
        <= 18 => 8,
        <= 20 => 9,
        _ => 10,
    };
}
