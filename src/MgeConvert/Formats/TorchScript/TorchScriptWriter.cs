using System.Globalization;
using System.Text;
using MgeConvert.Ir;

namespace MgeConvert.Formats.TorchScript;

/// <summary>
/// Writes the IR as a TorchScript archive (.pt) that torch.jit.load reads, without libtorch: the module's
/// TorchScript source (code/__torch__.py), its attribute tensors (data.pkl + data/N), constants.pkl and the
/// format version. The output is byte-identical for the same graph and output path.
/// </summary>
public sealed class TorchScriptWriter : IModelWriter
{
    public const string ClassName = "MgeConvertModule";

    /// <summary>
    /// Archive format version: 10 is the newest torch 1.13 and later accept; declaring it means no operator
    /// upgraders run, so calls keep today's semantics (integer torch.div, gelu's approximate argument).
    /// </summary>
    public const int FormatVersion = 10;

    public ModelFormat Format => ModelFormat.TorchScript;

    public IReadOnlyList<OutputFile> Prepare(Graph graph, ConversionOptions options)
    {
        var path = options.Output ?? throw new ArgumentException("an output path is required for TorchScript", nameof(options));
        var records = Records(graph, path);
        return [new OutputFile(path, s => TorchScriptArchive.Write(s, ArchiveName(path), records))];
    }

    /// <summary>The archive's bytes; throws <see cref="UnsupportedOpsException"/> listing every op TorchScript cannot express.</summary>
    public static byte[] Serialize(Graph graph, string path = "model.pt")
    {
        using var output = new MemoryStream();
        TorchScriptArchive.Write(output, ArchiveName(path), Records(graph, path));
        return output.ToArray();
    }

    /// <summary>The archive's records; tensor records reference the IR's bytes, written straight to the file later.</summary>
    private static List<(string, ReadOnlyMemory<byte>)> Records(Graph graph, string path)
    {
        var emitter = new TorchScriptEmitter(graph);
        var source = emitter.Emit(ClassName);
        if (emitter.Unsupported.Count > 0)
        {
            throw new UnsupportedOpsException(path, "TorchScript", emitter.Unsupported);
        }

        var records = new List<(string, ReadOnlyMemory<byte>)>
        {
            ("data.pkl", TorchScriptPickles.Module(ClassName, emitter.Attributes)),
            ("code/__torch__.py", Encoding.UTF8.GetBytes(source)),
            ("constants.pkl", TorchScriptPickles.EmptyConstants()),
        };
        for (var i = 0; i < emitter.Attributes.Count; i++)
        {
            records.Add(("data/" + i.ToString(CultureInfo.InvariantCulture), emitter.Attributes[i].Tensor.Bytes));
        }

        if (graph.Metadata.TryGetValue(Provenance.MetadataKey, out var provenance))
        {
            // torch.jit.load(..., _extra_files={"mgeconvert_provenance.json": ""}) reads it back.
            records.Add(("extra/mgeconvert_provenance.json", Encoding.UTF8.GetBytes(provenance)));
        }

        records.Add(("version", Encoding.ASCII.GetBytes(FormatVersion.ToString(CultureInfo.InvariantCulture) + "\n")));
        return records;
    }

    private static string ArchiveName(string path)
    {
        var stem = Path.GetFileNameWithoutExtension(path);
        var name = new string([.. stem.Select(c => char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_')]);
        return name.Length == 0 ? "archive" : name;
    }
}
