using MgeConvert.Ir;

namespace MgeConvert.Formats.TFLite;

/// <summary>Writes the IR as a TFLite flatbuffer (schema version 3, one subgraph, channels-last activations).</summary>
public sealed class TFLiteWriter : IModelWriter, IWriterNotes, IWriterOpCounts
{
    public ModelFormat Format => ModelFormat.TFLite;

    // Per flow of execution: one writer instance (the registry's) serves concurrent conversions.
    private readonly AsyncLocal<TFLiteWriteReport?> _lastReport = new();

    /// <summary>Statistics of the last <see cref="Prepare"/> call made by the calling thread / async flow.</summary>
    public TFLiteWriteReport? LastReport
    {
        get => _lastReport.Value;
        private set => _lastReport.Value = value;
    }

    public IReadOnlyList<string> LastNotes => LastReport is { } r
        ? [$"{r.Operators} operators, {r.OperatorCounts.GetValueOrDefault("TRANSPOSE")} TRANSPOSE "
            + $"({r.InterfaceTransposes} for input/output layout, {r.InternalTransposes} for layout between ops)", .. r.Remarks]
        : [];

    public IReadOnlyList<OpCount> LastTargetOps => LastReport is { } r ? OpHistogram.Of(r.OperatorCounts) : [];

    public IReadOnlyList<OutputFile> Prepare(Graph graph, ConversionOptions options)
    {
        var path = options.Output ?? throw new ArgumentException("no output path given", nameof(options));
        var model = Build(graph, options, path);
        return [new OutputFile(path, model.WriteTo)];
    }

    /// <summary>The model bytes; throws <see cref="UnsupportedOpsException"/> listing every op TFLite cannot express.</summary>
    public byte[] Convert(Graph graph, ConversionOptions options, string path = "model.tflite") => Build(graph, options, path).ToArray();

    private IO.HollowBuffer Build(Graph graph, ConversionOptions options, string path)
    {
        var lowering = new TFLiteLowering(graph, options);
        lowering.Run();
        if (lowering.Unsupported.Count > 0)
        {
            throw new UnsupportedOpsException(path, "TFLite", lowering.Unsupported);
        }

        var builder = lowering.Builder;
        var model = builder.Serialize(options.GraphName, graph.Metadata.GetValueOrDefault("description") ?? Description(graph));
        var problems = TFLiteVerifier.Check(model.Frame);
        if (problems.Count > 0)
        {
            throw new ModelFormatException(path, "internal error, the written model fails verification:" + Environment.NewLine + "  "
                + string.Join(Environment.NewLine + "  ", problems));
        }

        LastReport = new TFLiteWriteReport(builder.Operators.Count, builder.Tensors.Count, lowering.InterfaceTransposes, lowering.InternalTransposes,
            builder.Operators.GroupBy(o => o.Key).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal))
        {
            Remarks = Remarks(builder, options),
        };
        return model;
    }

    private static List<string> Remarks(TFLiteModelBuilder builder, ConversionOptions options)
    {
        var remarks = new List<string>();
        var integerOps = builder.Operators.Count(o => o.Code != Schema.BuiltinOperator.QUANTIZE
            && o.Outputs.Any(i => builder.Tensors[i].Type is Schema.TensorType.INT8 or Schema.TensorType.UINT8 or Schema.TensorType.INT16));
        if (integerOps > 0)
        {
            remarks.Add($"{integerOps} of {builder.Operators.Count} operators compute on quantized integers");
        }

        if (options.UseInt64Bias && !builder.Tensors.Any(t => t.Type == Schema.TensorType.INT64 && t.Quantization is not null))
        {
            remarks.Add("--use_int64_bias: no 16-bit activations, so biases stay int32 (LiteRT's 8-bit kernels take int32 biases only; 16-bit ones always get int64)");
        }

        return remarks;
    }

    private static string Description(Graph graph) =>
        graph.Metadata.TryGetValue(Provenance.MetadataKey, out var provenance) ? "Converted by MgeConvert " + provenance : "Converted by MgeConvert";
}

/// <summary>What a TFLite conversion produced: operator counts and where layout transposes were needed.</summary>
public sealed record TFLiteWriteReport(int Operators, int Tensors, int InterfaceTransposes, int InternalTransposes,
    IReadOnlyDictionary<string, int> OperatorCounts)
{
    /// <summary>How the options were applied where that is not visible in the counts.</summary>
    public IReadOnlyList<string> Remarks { get; init; } = [];
}
