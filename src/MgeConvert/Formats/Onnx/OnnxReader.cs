using Google.Protobuf;
using MgeConvert.Formats.Onnx.Proto;

namespace MgeConvert.Formats.Onnx;

/// <summary>
/// Reads ONNX models (default-domain opsets 6–21; older opsets on a best-effort basis for operators whose
/// form did not change) into the IR.
/// </summary>
public sealed class OnnxReader : IModelReader
{
    public const int MinOpset = 1;
    public const int MaxOpset = 21;

    public ModelFormat Format => ModelFormat.Onnx;

    /// <summary>
    /// ONNX files are a bare ModelProto; writers emit field 1 (ir_version, a small varint) first, so the file
    /// starts with tag 0x08 followed by a one-byte version.
    /// </summary>
    public bool CanRead(ReadOnlySpan<byte> header) => header.Length >= 4 && header[0] == 0x08 && header[1] is > 0 and < 0x20
        && header[2] is 0x12 or 0x1A or 0x22 or 0x28 or 0x32 or 0x3A or 0x42;

    public ImportedModel Read(string path, ConversionOptions options)
    {
        ModelProto model;
        try
        {
            model = ParseFile(path);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new ModelFormatException(path, $"not a valid ONNX model (ModelProto protobuf expected): {e.Message}", inner: e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelFormatException(path, $"cannot read the ONNX model: {e.Message}", inner: e);
        }

        return Import(path, model, options.AllowUnsupported);
    }

    /// <summary>
    /// Parses through a memory map, window by window (windows the parser has left drop out of memory), so the file's
    /// bytes and the parsed tensors never coexist in memory and each tensor is copied once. Files that cannot be mapped
    /// (empty ones, pipes) are parsed from the stream.
    /// </summary>
    private static ModelProto ParseFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        IO.MappedFileWindows? windows = null;
        try
        {
            windows = stream.CanSeek && stream.Length > 0 ? IO.MappedFileWindows.Open(stream) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not mappable here: the stream parse below reads the same bytes.
        }

        using (windows)
        {
            return windows is null ? ModelProto.Parser.ParseFrom(stream) : ModelProto.Parser.ParseFrom(windows.Sequence);
        }
    }

    /// <summary>
    /// Reads a model held in memory; <paramref name="path"/> only names it in messages. With
    /// <paramref name="allowUnsupported"/>, operators outside the IR become <see cref="Ir.Ops.Opaque"/> nodes.
    /// </summary>
    public static ImportedModel Read(string path, byte[] bytes, bool allowUnsupported = false) =>
        Import(path, Parse(path, bytes), allowUnsupported);

    internal static ModelProto Parse(string path, byte[] bytes)
    {
        try
        {
            return ModelProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new ModelFormatException(path, $"not a valid ONNX model (ModelProto protobuf expected): {e.Message}", inner: e);
        }
    }

    internal static ImportedModel Import(string path, ModelProto model, bool allowUnsupported = false)
    {
        if (model.Graph is null)
        {
            throw new ModelFormatException(path, "the ONNX model has no graph");
        }

        var opset = DefaultOpset(model)
            ?? (allowUnsupported ? MaxOpset : throw new ModelFormatException(path, "the ONNX model imports no default-domain opset"));
        if (opset is < MinOpset or > MaxOpset && !allowUnsupported)
        {
            throw new ModelFormatException(path, $"opset {opset} is not supported (expected {MinOpset}–{MaxOpset})");
        }

        var importer = new OnnxGraphImporter(path, model.Graph, (int)Math.Clamp(opset, MinOpset, MaxOpset), allowUnsupported);
        var graph = importer.Import();
        foreach (var entry in model.MetadataProps)
        {
            graph.Metadata[entry.Key] = entry.Value;
        }

        var imported = new ImportedModel(graph, ModelFormat.Onnx, "onnx");
        foreach (var (name, text) in importer.DeclaredTypes)
        {
            imported.DeclaredTypes[name] = text;
        }

        imported.Details.Add($"producer: {model.ProducerName} {model.ProducerVersion}".TrimEnd());
        imported.Details.Add($"ir_version: {model.IrVersion}");
        imported.Details.Add(DefaultOpset(model) is null ? "opset: none for the default domain" : $"opset: {opset}");
        foreach (var other in model.OpsetImport.Where(o => o.Domain is not ("" or "ai.onnx")))
        {
            imported.Details.Add($"opset {other.Domain}: {other.Version}");
        }

        return imported;
    }

    internal static long? DefaultOpset(ModelProto model) =>
        model.OpsetImport.Where(o => o.Domain is "" or "ai.onnx").Select(o => (long?)o.Version).FirstOrDefault();
}
