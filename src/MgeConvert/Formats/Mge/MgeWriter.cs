using MgeConvert.Formats.Mge.Writing;
using MgeConvert.Ir;

namespace MgeConvert.Formats.Mge;

/// <summary>
/// Writes the IR as a MegEngine graph dump: <c>mgv2</c> (MegEngine 1.10+, default), <c>MGBC</c> (1.8–1.9) or
/// <c>MGBS</c> (every 1.x loader), per <see cref="ConversionOptions.MgeFormat"/>. Every file is read back by
/// <see cref="MgeReader"/> and compared with what was written before it is handed out.
/// </summary>
public sealed class MgeWriter : IModelWriter, IWriterNotes
{
    // Per flow of execution: one writer instance (the registry's) serves concurrent conversions.
    private readonly AsyncLocal<IReadOnlyList<string>?> _lastNotes = new();

    /// <summary>
    /// optimize_options bit 6, fuse_grain: what MegEngine 1.11+ records for optimize_for_inference with default
    /// options (docs/mge-format.md §11.1); the writer has then folded constants and batch norms as that pass set does.
    /// </summary>
    public const ulong OptimizeForInferenceOptions = 1UL << 6;

    public ModelFormat Format => ModelFormat.Mge;

    /// <summary>What the last <see cref="Prepare"/> of the calling flow narrowed from 64 to 32 bits (<see cref="MegEngineNarrowing"/>).</summary>
    public IReadOnlyList<string> LastNotes => _lastNotes.Value ?? [];

    public IReadOnlyList<OutputFile> Prepare(Graph graph, ConversionOptions options)
    {
        var path = options.Output ?? throw new ArgumentException("an output path is required for .mge", nameof(options));
        var (dump, notes) = SerializeChecked(graph, options, path);
        _lastNotes.Value = notes;
        return [new OutputFile(path, dump.WriteTo)];
    }

    /// <summary>The dump's bytes; throws <see cref="UnsupportedOpsException"/> listing every op MegEngine cannot express.</summary>
    public static byte[] Serialize(Graph graph, ConversionOptions options, string path = "<mge>") =>
        SerializeChecked(graph, options, path).Dump.ToArray();

    /// <summary>The checked dump; the large tensors stay out of the serializer's buffer until written.</summary>
    private static (IO.HollowBuffer Dump, IReadOnlyList<string> Notes) SerializeChecked(Graph graph, ConversionOptions options, string path)
    {
        var container = MgeWriteSettings.Parse(path, options.MgeFormat);
        var lowering = new MgeLowering(graph, container);
        lowering.Run();
        if (lowering.Unsupported.Count > 0)
        {
            throw new UnsupportedOpsException(path, $"MegEngine ({options.MgeFormat})", lowering.Unsupported);
        }

        var settings = new MgeWriteSettings(container, options.OptimizeForInference ? OptimizeForInferenceOptions : 0)
        {
            UserInfo = graph.Metadata.TryGetValue(Provenance.MetadataKey, out var provenance) ? MgeUserInfo.PickleOf(provenance) : "",
        };
        var dump = container == MgeContainer.Mgv2
            ? MgeV2Serializer.Serialize(lowering.Program, settings)
            : MgeV1Serializer.Serialize(lowering.Program, settings);
        MgeWriteCheck.Verify(path, dump.Frame, lowering.Program, graph, settings);
        return (dump, MegEngineNarrowing.Notes(graph));
    }
}
