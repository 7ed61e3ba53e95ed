using MgeConvert.Formats;
using MgeConvert.Ir;

namespace MgeConvert;

/// <summary>What <see cref="Converter.Inspect"/> reports about a model file.</summary>
public sealed class ModelSummary
{
    public required string Path { get; init; }

    public required ModelFormat Format { get; init; }

    public required string Container { get; init; }

    public required long FileSize { get; init; }

    public required string GraphName { get; init; }

    public required IReadOnlyList<TensorSummary> Inputs { get; init; }

    public required IReadOnlyList<TensorSummary> Outputs { get; init; }

    public required IReadOnlyList<OpCount> Ops { get; init; }

    public required int ConstantCount { get; init; }

    public required long ConstantBytes { get; init; }

    /// <summary>Names of the inputs the file carries values for (MegEngine test-case wrappers).</summary>
    public required IReadOnlyList<string> EmbeddedInputs { get; init; }

    public required IReadOnlyDictionary<string, string> Metadata { get; init; }

    /// <summary>Format-specific lines from the reader (module tree, producer, ...).</summary>
    public required IReadOnlyList<string> Details { get; init; }

    internal static ModelSummary Create(string path, ImportedModel model)
    {
        var graph = model.Graph;
        var constants = graph.Constants();
        return new ModelSummary
        {
            Path = path,
            Format = model.Format,
            Container = model.Container,
            FileSize = new FileInfo(path).Length,
            GraphName = graph.Name,
            Inputs = [.. graph.Inputs.Select(TensorSummary.Of)],
            Outputs = [.. graph.Outputs.Select(TensorSummary.Of)],
            Ops = OpHistogram.Of(graph),
            ConstantCount = constants.Count,
            ConstantBytes = constants.Sum(c => (long)c.Constant!.Bytes.Length),
            EmbeddedInputs = [.. model.EmbeddedInputs.Keys],
            Metadata = new Dictionary<string, string>(graph.Metadata, StringComparer.Ordinal),
            Details = [.. model.Details],
        };
    }
}

/// <summary>A graph input or output: name, element type (with quantization) and shape.</summary>
public sealed record TensorSummary(string Name, DataType DType, Shape Shape)
{
    public static TensorSummary Of(Value value) => new(value.Name, value.DType, value.Shape);

    public override string ToString() => $"{Name}: {DType}{Shape}";
}
