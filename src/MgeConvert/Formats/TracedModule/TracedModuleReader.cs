using System.Text;
using MgeConvert.Formats.Pickle;
using MgeConvert.Ir;

namespace MgeConvert.Formats.TracedModule;

/// <summary>
/// Reads a MegEngine TracedModule (<c>megengine.save(traced_module)</c>, a plain pickle) into the IR with the
/// safe <see cref="PickleReader"/>: nothing is imported or executed.
/// </summary>
public sealed class TracedModuleReader : IModelReader
{
    private static readonly byte[] Marker = Encoding.ASCII.GetBytes("megengine.traced_module");

    /// <summary>
    /// Pickle limits for TracedModules: the pickler writes each node's users and each expr's outputs inside the
    /// previous ones, so lists, dicts and objects nest a few levels per op along the longest chain of ops.
    /// </summary>
    internal static readonly PickleLimits Limits = new() { MaxContainerDepth = 1 << 20 };

    public ModelFormat Format => ModelFormat.TracedModule;

    /// <summary>A pickle (0x80, protocol 2-5) whose first global is MegEngine's TracedModule class.</summary>
    public bool CanRead(ReadOnlySpan<byte> header) =>
        header.Length >= 2 && header[0] == 0x80 && header[1] is >= 2 and <= 5 && header.IndexOf(Marker) >= 0;

    public ImportedModel Read(string path, ConversionOptions options)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (IOException e)
        {
            throw new ModelFormatException(path, "cannot read the file: " + e.Message, inner: e);
        }

        return Read(bytes, path, options);
    }

    public ImportedModel Read(ReadOnlyMemory<byte> bytes, string path, ConversionOptions options)
    {
        var (root, reader) = PickleReader.Open(bytes, path, Limits);
        return Import(root, reader, path, options);
    }

    /// <summary>Converts an already unpickled object graph (<paramref name="reader"/> is the pickle reader that produced it).</summary>
    internal static ImportedModel Import(object? root, PickleReader reader, string path, ConversionOptions options)
    {
        if (!TmLoader.IsTracedModule(root))
        {
            throw new ModelFormatException(path, $"the pickle holds {PickleReader.Describe(root)}, expected a megengine TracedModule (megengine.save of a traced module)", 0);
        }

        var loader = new TmLoader(path);
        var module = loader.Module(root)!;
        var converter = new TmConverter(loader, options);
        var graph = converter.Convert(module);
        graph.Metadata["producer"] = "MegEngine TracedModule";
        if (module.Attr("dump_info") is PyDict info && info.Get("version") is string version)
        {
            graph.Metadata["megengine_version"] = version;
        }

        if (converter.HasQat)
        {
            graph.Metadata["qat"] = "true";
        }

        var result = new ImportedModel(graph, ModelFormat.TracedModule, "pickle");
        result.Details.Add($"pickle protocol {reader.Protocol}, {reader.GlobalsSeen.Count} globals");
        if (graph.Metadata.TryGetValue("megengine_version", out var v))
        {
            result.Details.Add($"saved by MegEngine {v}");
        }

        result.Details.AddRange(TmModuleTree.Describe(module, loader));

        return result;
    }
}
