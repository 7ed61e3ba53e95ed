using MgeConvert.Formats;

namespace MgeConvert;

/// <summary>What one <see cref="Converter.Convert"/> call did.</summary>
public sealed class ConversionResult
{
    public required ModelFormat From { get; init; }

    public required ModelFormat To { get; init; }

    public required string Input { get; init; }

    /// <summary>The concrete source container ("mgv2", "pickle", ...).</summary>
    public required string SourceContainer { get; init; }

    /// <summary>
    /// Ops of the source: the IR op histogram right after reading, plus FakeQuantize for the fake quantizations of a
    /// QAT model, which the IR keeps as value annotations (<see cref="OpHistogram.OfSource"/>).
    /// </summary>
    public required IReadOnlyList<OpCount> OpsIn { get; init; }

    /// <summary>IR op histogram of the graph handed to the writer (after the passes).</summary>
    public required IReadOnlyList<OpCount> OpsOut { get; init; }

    public required IReadOnlyList<WrittenFile> Outputs { get; init; }

    public required StageTimings Timings { get; init; }

    public required IReadOnlyList<string> Warnings { get; init; }

    /// <summary>What the passes did, as the pipeline logged it.</summary>
    public IReadOnlyList<string> PassLog { get; init; } = [];

    /// <summary>What the writer reported about its output (e.g. TFLite layout transposes).</summary>
    public IReadOnlyList<string> WriterNotes { get; init; } = [];

    /// <summary>Operators of the written file in the target format's names (ONNX, TFLite, Caffe), when the writer counts them.</summary>
    public IReadOnlyList<OpCount> TargetOps { get; init; } = [];

    /// <summary>For every node read from the source: what the graph handed to the writer has in its place.</summary>
    public IReadOnlyList<OpMapping> OpMappings { get; init; } = [];

    /// <summary>The graph the writer received (after the passes); the reference for <c>--verify</c>.</summary>
    public Ir.Graph? WrittenGraph { get; init; }

    /// <summary>Converter version, source file hash and options, as stored in the output's metadata.</summary>
    public Provenance? Provenance { get; init; }
}

public sealed record WrittenFile(string Path, long Size);

/// <summary>Wall-clock time of each conversion stage. Prepare = the writer building its output in memory.</summary>
public sealed record StageTimings(TimeSpan Read, TimeSpan Passes, TimeSpan Prepare, TimeSpan Write)
{
    public TimeSpan Total => Read + Passes + Prepare + Write;
}

/// <summary>Reported to a progress callback as a conversion moves on.</summary>
public enum ConversionStage
{
    Reading,
    RunningPasses,
    Preparing,
    Writing,
}
