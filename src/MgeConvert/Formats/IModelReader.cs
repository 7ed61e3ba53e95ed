using MgeConvert.Ir;

namespace MgeConvert.Formats;

/// <summary>Reads one model format into the IR.</summary>
public interface IModelReader
{
    ModelFormat Format { get; }

    /// <summary>Whether the first bytes of a file (up to 64) look like this format.</summary>
    bool CanRead(ReadOnlySpan<byte> header);

    /// <summary>Reads the file; throws <see cref="ModelFormatException"/> (incl. <see cref="UnsupportedOpsException"/>).</summary>
    ImportedModel Read(string path, ConversionOptions options);
}

/// <summary>A model read into the IR, plus what the source file carried besides the graph.</summary>
public sealed class ImportedModel(Graph graph, ModelFormat format, string container)
{
    public Graph Graph { get; } = graph;

    public ModelFormat Format { get; } = format;

    /// <summary>The concrete container, e.g. "mgv2", "MGBC", "MGBS", "pickle", "onnx".</summary>
    public string Container { get; } = container;

    /// <summary>Inputs stored inside the file (MegEngine test-case wrappers), by graph input name.</summary>
    public Dictionary<string, Tensor> EmbeddedInputs { get; } = new(StringComparer.Ordinal);

    /// <summary>Format-specific description lines for <c>inspect</c> (module tree, producer, ...).</summary>
    public List<string> Details { get; } = [];

    /// <summary>
    /// The file's own type text for graph inputs/outputs whose type the IR cannot hold (sequences, strings),
    /// by value name; only filled when reading with <see cref="ConversionOptions.AllowUnsupported"/>.
    /// </summary>
    public Dictionary<string, string> DeclaredTypes { get; } = new(StringComparer.Ordinal);
}
