using MgeConvert.Quantization;
using System.Diagnostics;
using Google.Protobuf;
using MgeConvert.Formats;
using MgeConvert.IO;
using MgeConvert.Ir;

namespace MgeConvert;

/// <summary>
/// Converts model files: read (format detected from the file's first bytes) → passes → writer.Prepare (every
/// check) → atomic write of every output file. Usable from any .NET program; the CLI is a thin layer over it.
/// </summary>
public sealed class Converter
{
    public Converter()
        : this(FormatRegistry.Default, BuiltInFormats.Pipeline())
    {
    }

    public Converter(FormatRegistry registry, IGraphPipeline? pipeline = null)
    {
        Registry = registry;
        Pipeline = pipeline ?? GraphPipeline.None;
    }

    public FormatRegistry Registry { get; }

    public IGraphPipeline Pipeline { get; }

    public bool IsAvailable(ModelFormat from, ModelFormat to) => Registry.CanConvert(from, to);

    /// <summary>
    /// Converts <paramref name="input"/> (which must be a <paramref name="from"/> model) to <paramref name="to"/>,
    /// writing the files named by <paramref name="options"/> (Output, or Prototxt + CaffeModel for Caffe).
    /// Throws <see cref="ModelFormatException"/> (incl. <see cref="ConversionNotAvailableException"/> and
    /// <see cref="UnsupportedOpsException"/>) without leaving any output file behind.
    /// </summary>
    public ConversionResult Convert(
        ModelFormat from, ModelFormat to, string input, ConversionOptions options, Action<ConversionStage>? progress = null)
    {
        RequireOutputs(to, options);
        InputFile.RequireExists(input);
        var reader = Registry.FindReader(from);
        var writer = Registry.FindWriter(to);
        if (reader is null || writer is null)
        {
            throw new ConversionNotAvailableException(input, from, to, reader is null, writer is null);
        }

        // Hashing the source for the provenance record runs on another core while the model is converted.
        var sourceSha256 = Task.Run(() => Provenance.Sha256Of(input));
        var clock = Stopwatch.StartNew();
        progress?.Invoke(ConversionStage.Reading);
        var model = Read(input, from, options);
        var readTime = clock.Elapsed;
        var opsIn = OpHistogram.OfSource(model.Graph);
        var sourceNodes = OpMappings.Snapshot(model.Graph);

        clock.Restart();
        progress?.Invoke(ConversionStage.RunningPasses);
        var context = new PipelineContext(from, to, input, options);
        // Before the passes, which may replace annotated values; --param_fake_quant rewrites weights here.
        var quantParams = WritesQuantParams(to, options) ? QuantParamsJsonWriter.Prepare(model.Graph, options) : null;
        var graph = Guard(input, () => Pipeline.Run(model.Graph, context));
        var warnings = new List<string>(context.Warnings);
        warnings.AddRange(GraphValidator.Check(graph).Select(p => "graph check: " + p));
        var passTime = clock.Elapsed;
        ReleaseGarbageBeforeWriting(graph);

        var provenance = Provenance.Of(from, to, input, options, sourceSha256.GetAwaiter().GetResult());
        graph.Metadata[Provenance.MetadataKey] = provenance.ToJson();

        clock.Restart();
        progress?.Invoke(ConversionStage.Preparing);
        var files = Guard(input, () => writer.Prepare(graph, options));
        if (quantParams is not null)
        {
            files = [.. files, quantParams];
        }

        CheckOutputPaths(input, files);
        var prepareTime = clock.Elapsed;

        clock.Restart();
        progress?.Invoke(ConversionStage.Writing);
        AtomicFile.WriteAll([.. files.Select(f => (f.Path, f.WriteTo))]);
        var writeTime = clock.Elapsed;

        return new ConversionResult
        {
            From = from,
            To = to,
            Input = input,
            SourceContainer = model.Container,
            OpsIn = opsIn,
            OpsOut = OpHistogram.Of(graph),
            Outputs = [.. files.Select(f => new WrittenFile(f.Path, new FileInfo(f.Path).Length))],
            Timings = new StageTimings(readTime, passTime, prepareTime, writeTime),
            Warnings = warnings,
            PassLog = [.. context.Log],
            WriterNotes = writer is IWriterNotes notes ? notes.LastNotes : [],
            TargetOps = writer is IWriterOpCounts counts ? counts.LastTargetOps : [],
            OpMappings = OpMappings.Between(sourceNodes, graph),
            WrittenGraph = graph,
            Provenance = provenance,
        };
    }

    /// <summary>
    /// Pre-flight: reads <paramref name="input"/> (any readable format), runs the passes for <paramref name="to"/>
    /// and lets the writer build its output in memory, collecting every operator it cannot express. Writes nothing.
    /// </summary>
    public CheckResult Check(string input, ModelFormat to, ConversionOptions? options = null)
    {
        InputFile.RequireExists(input);
        var writer = Registry.FindWriter(to) ?? throw new ConversionNotAvailableException(input, Registry.Detect(input, null).Format, to, false, true);
        var checkOptions = (options ?? new ConversionOptions()).ForCheck(to);
        var model = Read(input, null, checkOptions);
        var from = Registry.Detect(input, null).Format;
        var opaque = model.Graph.Nodes.Where(n => n.Op is Ir.Ops.Opaque).Select(n => n.Name).ToHashSet(StringComparer.Ordinal);
        var ops = model.Graph.Nodes.Count;
        var context = new PipelineContext(from, to, input, checkOptions);
        var graph = Guard(input, () => Pipeline.Run(model.Graph, context));
        var problems = new List<CheckProblem>();
        try
        {
            Guard(input, () => writer.Prepare(graph, checkOptions));
        }
        catch (UnsupportedOpsException e)
        {
            problems.AddRange(e.Ops.Select(o => new CheckProblem(o.OpType, o.NodeName, UnsupportedReasons.Classify(o, opaque.Contains(o.NodeName)), o.Reason)));
        }

        return new CheckResult(input, from, to, ops, problems, context.Warnings);
    }

    /// <summary>Reads any supported model file and summarizes it (format, inputs, outputs, op histogram).</summary>
    /// <remarks>Operators outside the IR are read as opaque placeholders and listed as "(unsupported)".</remarks>
    public ModelSummary Inspect(string path, ConversionOptions? options = null) =>
        ModelSummary.Create(path, Read(path, null, (options ?? new ConversionOptions()).AllowingUnsupported()));

    /// <summary>
    /// Reads a model into the IR. With <paramref name="expected"/>, a file of another format is refused with a
    /// message naming both formats.
    /// </summary>
    public ImportedModel Read(string path, ModelFormat? expected, ConversionOptions options)
    {
        var reader = Registry.Detect(path, expected);
        if (expected is { } wanted && reader.Format != wanted)
        {
            throw new ModelFormatException(
                path, $"detected {reader.Format.Description()}, but this conversion expects {wanted.Description()}");
        }

        try
        {
            return Guard(path, () => reader.Read(path, options));
        }
        catch (Exception e) when (e is EndOfStreamException or InvalidDataException or InvalidProtocolBufferException
            or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            throw new ModelFormatException(
                path, $"cannot be read as {reader.Format.Description()}; the file looks corrupt or truncated ({e.GetType().Name}: {e.Message})", inner: e);
        }
    }

    /// <summary>An IR inconsistency (bad shapes, arity) surfaces as a <see cref="ModelFormatException"/> naming the model.</summary>
    private static T Guard<T>(string file, Func<T> action)
    {
        try
        {
            return action();
        }
        catch (IrException e)
        {
            throw new ModelFormatException(file, e.Message, inner: e);
        }
    }

    /// <summary>
    /// Weights the passes replaced (folded batch norms, say) and the reader's garbage are freed before the writer
    /// allocates buffers as large as the weights; for a large model the memory also goes back to the OS, so the peak
    /// holds the weights at most twice.
    /// </summary>
    private static void ReleaseGarbageBeforeWriting(Graph graph)
    {
        const long Large = 32L << 20;
        var constantBytes = graph.Nodes.SelectMany(n => n.Inputs).OfType<Value>().Where(v => v.IsConstant).Distinct().Sum(v => (long)v.Constant!.Bytes.Length);
        if (constantBytes >= Large)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        }
        else
        {
            GC.Collect();
        }
    }

    private static void RequireOutputs(ModelFormat to, ConversionOptions options)
    {
        if (to == ModelFormat.Caffe)
        {
            if (string.IsNullOrEmpty(options.Prototxt) || string.IsNullOrEmpty(options.CaffeModel))
            {
                throw new ArgumentException("Caffe output needs both ConversionOptions.Prototxt and ConversionOptions.CaffeModel", nameof(options));
            }
        }
        else if (string.IsNullOrEmpty(options.Output))
        {
            throw new ArgumentException("ConversionOptions.Output (the output file) is required", nameof(options));
        }
    }

    private static void CheckOutputPaths(string input, IReadOnlyList<OutputFile> files)
    {
        var inputFull = Path.GetFullPath(input);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            var full = Path.GetFullPath(file.Path);
            if (full == inputFull)
            {
                throw new ModelFormatException(file.Path, "output would overwrite the input model; choose another output path");
            }

            if (Directory.Exists(full))
            {
                throw new ModelFormatException(file.Path, "output path is a directory, expected a file name");
            }

            if (!seen.Add(full))
            {
                throw new ModelFormatException(file.Path, "the same path is given for two different output files");
            }
        }
    }

    /// <summary>QAT models converted to a float model carry their quantization in a quant-params json (as the original).</summary>
    private static bool WritesQuantParams(ModelFormat to, ConversionOptions options) =>
        !options.RequireQuantize && to is ModelFormat.Onnx or ModelFormat.Caffe or ModelFormat.TFLite;
}
