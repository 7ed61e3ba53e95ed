using MgeConvert.Ir;

namespace MgeConvert.Formats.TFLite;

/// <summary>Writes the IR as a TFLite flatbuffer (schema version 3, one subgraph, channels-last activations).</summary>
public sealed class TFLiteWriter : IModelWriter, IWriterNotes
{
    public ModelFormat Format => ModelFormat.TFLite;

    /// <summary>Statistics of the last <see cref="Prepare"/> call.</summary>
    public TFLiteWriteReport? LastReport { get; private set; }

    public IReadOnlyList<string> LastNotes => LastReport is { } r
        ? [$"{r.Operators} operators, {r.OperatorCounts.GetValueOrDefault("TRANSPOSE")} TRANSPOSE "
            + $"({r.InterfaceTransposes} for input/output layout, {r.InternalTransposes} for layout between ops)"]
        : [];

    public IReadOnlyList<OutputFile> Prepare(Graph graph, ConversionOptions options)
    {
        var path = options.Output ?? throw new ArgumentException("no output path given", nameof(options));
        if (options.RequireQuantize && Quantization.QuantAnnotations.HasAny(graph))
        {
            throw new ModelFormatException(path, "integer TFLite from a QAT TracedModule (--require_quantize) is not available yet; " +
                "convert without it for a float model plus quant_params.json");
        }

        var bytes = Build(graph, options, path);
        return [new OutputFile(path, s => s.Write(bytes))];
    }

    /// <summary>The model bytes; throws <see cref="UnsupportedOpsException"/> listing every op TFLite cannot express.</summary>
    public byte[] Convert(Graph graph, ConversionOptions options, string path = "model.tflite") => [.. Build(graph, options, path)];

    private ArraySegment<byte> Build(Graph graph, ConversionOptions options, string path)
    {
        var lowering = new TFLiteLowering(graph, options);
        lowering.Run();
        if (lowering.Unsupported.Count > 0)
        {
            throw new UnsupportedOpsException(path, "TFLite", lowering.Unsupported);
        }

        var builder = lowering.Builder;
        var bytes = builder.Serialize(options.GraphName, graph.Metadata.GetValueOrDefault("description") ?? "Converted by MgeConvert");
        var problems = TFLiteVerifier.Check(bytes);
        if (problems.Count > 0)
        {
            throw new ModelFormatException(path, "internal error, the written model fails verification:" + Environment.NewLine + "  "
                + string.Join(Environment.NewLine + "  ", problems));
        }

        LastReport = new TFLiteWriteReport(builder.Operators.Count, builder.Tensors.Count, lowering.InterfaceTransposes, lowering.InternalTransposes,
            builder.Operators.GroupBy(o => o.Code.ToString()).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal));
        return bytes;
    }
}

/// <summary>What a TFLite conversion produced: operator counts and where layout transposes were needed.</summary>
public sealed record TFLiteWriteReport(int Operators, int Tensors, int InterfaceTransposes, int InternalTransposes,
    IReadOnlyDictionary<string, int> OperatorCounts);
