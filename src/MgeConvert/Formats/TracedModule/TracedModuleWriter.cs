using System.Text.RegularExpressions;
using MgeConvert.Formats.Pickle;
using MgeConvert.Ir;

namespace MgeConvert.Formats.TracedModule;

/// <summary>
/// Writes the IR as a MegEngine TracedModule (.tm): one protocol-4 pickle of the object graph megengine.load
/// rebuilds (spec §9) — builtin Conv2d/ConvTranspose2d/Linear/BatchNorm2d modules holding their parameters,
/// megengine.functional calls, Tensor methods and Constant tensors in one top-level graph. Every file is read
/// back by <see cref="TracedModuleReader"/> and compared with what was written before it is returned.
/// The bytes are the same for the same graph and options.
/// </summary>
public sealed partial class TracedModuleWriter : IModelWriter
{
    public const int Protocol = 4;

    public ModelFormat Format => ModelFormat.TracedModule;

    public IReadOnlyList<OutputFile> Prepare(Graph graph, ConversionOptions options)
    {
        var path = options.Output ?? throw new ArgumentException("an output path is required for a TracedModule", nameof(options));
        var bytes = Serialize(graph, options, path);
        return [new OutputFile(path, s => s.Write(bytes))];
    }

    /// <summary>The .tm bytes; throws <see cref="UnsupportedOpsException"/> listing every op a TracedModule cannot express.</summary>
    public static byte[] Serialize(Graph graph, ConversionOptions options, string path = "<tm>")
    {
        var types = TmFrozenShapes.Of(graph, options.FrozenInputShape, path);
        var exporter = new TmGraphExporter(graph, types);
        var root = exporter.Export(ModuleName(graph.Name));
        if (root is null)
        {
            throw new UnsupportedOpsException(path, "TracedModule", exporter.Unsupported);
        }

        var bytes = Pickle(root);
        TmSelfCheck.Verify(root, bytes, graph, types, path);
        return bytes;
    }

    /// <summary>
    /// Pickles on a thread with a large stack: like CPython's pickler, the writer recurses along node → users →
    /// expr → outputs links, so a long chain of ops nests as deep as the chain is long.
    /// </summary>
    private static byte[] Pickle(PyObject root)
    {
        byte[]? bytes = null;
        Exception? failure = null;
        var thread = new Thread(
            () =>
            {
                try
                {
                    bytes = PickleWriter.Serialize(root, Protocol);
                }
                catch (Exception e)
                {
                    failure = e;
                }
            },
            PickleStackBytes);
        thread.Start();
        thread.Join();
        return failure is null ? bytes! : throw new InvalidOperationException("pickling the TracedModule failed", failure);
    }

    private const int PickleStackBytes = 1 << 30;

    /// <summary>The graph's (and top module's) qualname: a Python identifier.</summary>
    private static string ModuleName(string graphName)
    {
        var name = NonIdentifier().Replace(graphName, "_").Trim('_');
        return name.Length == 0 || char.IsAsciiDigit(name[0]) ? "Model" + name : name;
    }

    [GeneratedRegex("[^0-9a-zA-Z_]+")]
    private static partial Regex NonIdentifier();
}
