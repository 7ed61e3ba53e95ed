using MgeConvert.Ir;

namespace MgeConvert.Formats;

/// <summary>Writes the IR in one model format.</summary>
public interface IModelWriter
{
    ModelFormat Format { get; }

    /// <summary>
    /// Prepares the output files. Every check (unsupported ops, opset limits) happens here and throws
    /// before anything touches the disk; the returned files are then written atomically by the caller.
    /// </summary>
    IReadOnlyList<OutputFile> Prepare(Graph graph, ConversionOptions options);
}

/// <summary>One file a writer produces; <see cref="WriteTo"/> serializes it.</summary>
public sealed record OutputFile(string Path, Action<Stream> WriteTo);
