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

    /// <summary>The model as read into the IR, one line per node (<see cref="Ir.GraphPrinter"/>).</summary>
    public required string GraphText { get; init; }

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
            Inputs = [.. graph.Inputs.Select(v => TensorSummary.Of(v, model.DeclaredTypes))],
            Outputs = [.. graph.Outputs.Select(v => TensorSummary.Of(v, model.DeclaredTypes))],
            Ops = OpHistogram.Of(graph),
            ConstantCount = constants.Count,
            ConstantBytes = constants.Sum(c => (long)c.Constant!.Bytes.Length),
            EmbeddedInputs = [.. model.EmbeddedInputs.Keys],
            Metadata = new Dictionary<string, string>(graph.Metadata, StringComparer.Ordinal),
            Details = [.. model.Details],
            GraphText = Ir.GraphPrinter.Print(graph),
        };
    }
}

/// <summary>A graph input or output: name, element type (with quantization) and shape.</summary>
public sealed record TensorSummary(string Name, DataType DType, Shape Shape)
{
    /// <summary>The file's own type text when the IR cannot hold the type (then DType is a placeholder).</summary>
    public string? DeclaredType { get; init; }

    /// <summary>What to show as the element type: the declared type text, else <see cref="DType"/>.</summary>
    public string DTypeText => DeclaredType ?? DType.ToString();

    public static TensorSummary Of(Value value) => new(value.Name, value.DType, value.Shape);

    internal static TensorSummary Of(Value value, IReadOnlyDictionary<string, string> declared) =>
        new(value.Name, value.DType, value.Shape) { DeclaredType = declared.GetValueOrDefault(value.Name) };

    public override string ToString() => $"{Name}: {DTypeText}{Shape}";
}
