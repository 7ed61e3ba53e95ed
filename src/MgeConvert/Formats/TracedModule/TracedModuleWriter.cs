using System.Runtime.ExceptionServices;
using System.Text.RegularExpressions;
using MgeConvert.Formats.Pickle;
using MgeConvert.IO;
using MgeConvert.Ir;

namespace MgeConvert.Formats.TracedModule;

/// <summary>
/// Writes the IR as a MegEngine TracedModule (.tm): one protocol-4 pickle of the object graph megengine.load
/// rebuilds (spec §9) — builtin Conv2d/ConvTranspose2d/Linear/BatchNorm2d modules holding their parameters,
/// megengine.functional calls, Tensor methods and Constant tensors in one top-level graph. Every file is read
/// back by <see cref="TracedModuleReader"/> and compared with what was written before it is handed out.
/// The bytes are the same for the same graph and options.
/// </summary>
/// <remarks>
/// <see cref="Prepare"/> reports every unsupported op; the pickle is then streamed into the output file (the
/// weights go from the IR to the file without a copy) and read back from a memory map of it, so a file that
/// fails the check makes the write fail and is never put in place.
/// </remarks>
public sealed partial class TracedModuleWriter : IModelWriter, IWriterNotes
{
    public const int Protocol = 4;

    // Per flow of execution: one writer instance (the registry's) serves concurrent conversions.
    private readonly AsyncLocal<IReadOnlyList<string>?> _lastNotes = new();

    public ModelFormat Format => ModelFormat.TracedModule;

    /// <summary>What the last <see cref="Prepare"/> of the calling flow narrowed from 64 to 32 bits (<see cref="MegEngineNarrowing"/>).</summary>
    public IReadOnlyList<string> LastNotes => _lastNotes.Value ?? [];

    public IReadOnlyList<OutputFile> Prepare(Graph graph, ConversionOptions options)
    {
        var path = options.Output ?? throw new ArgumentException("an output path is required for a TracedModule", nameof(options));
        var (root, types) = Export(graph, options, path);
        _lastNotes.Value = MegEngineNarrowing.Notes(graph);
        return [new OutputFile(path, s => WriteChecked(s, root, graph, types, path))];
    }

    /// <summary>The .tm bytes; throws <see cref="UnsupportedOpsException"/> listing every op a TracedModule cannot express.</summary>
    public static byte[] Serialize(Graph graph, ConversionOptions options, string path = "<tm>")
    {
        var (root, types) = Export(graph, options, path);
        using var buffer = new MemoryStream();
        Pickle(root, buffer);
        TmSelfCheck.Verify(root, buffer.GetBuffer().AsMemory(0, (int)buffer.Length), graph, types, path);
        return buffer.ToArray();
    }

    private static (PyObject Root, IReadOnlyDictionary<Value, TensorType> Types) Export(Graph graph, ConversionOptions options, string path)
    {
        var types = TmFrozenShapes.Of(graph, options.FrozenInputShape, path);
        var exporter = new TmGraphExporter(graph, types);
        var root = exporter.Export(ModuleName(graph.Name));
        return root is null ? throw new UnsupportedOpsException(path, "TracedModule", exporter.Unsupported) : (root, types);
    }

    /// <summary>Pickles into <paramref name="output"/> and checks what it holds; a readable file is checked in place.</summary>
    private static void WriteChecked(Stream output, PyObject root, Graph graph, IReadOnlyDictionary<Value, TensorType> types, string path)
    {
        if (output is not FileStream { CanRead: true, CanSeek: true, Position: 0 } file)
        {
            using var buffer = new MemoryStream();
            Pickle(root, buffer);
            TmSelfCheck.Verify(root, buffer.GetBuffer().AsMemory(0, (int)buffer.Length), graph, types, path);
            buffer.WriteTo(output);
            return;
        }

        Pickle(root, file);
        file.Flush();
        var length = file.Position;
        if (length > int.MaxValue)
        {
            throw new ModelFormatException(path, $"the TracedModule pickle is {length} bytes; files above 2 GiB cannot be read back");
        }

        using var written = MappedFileView.Open(file, (int)length);
        TmSelfCheck.Verify(root, written.Memory, graph, types, path);
    }

    /// <summary>
    /// Pickles on a thread with a large stack: like CPython's pickler, the writer recurses along node → users →
    /// expr → outputs links, so a long chain of ops nests as deep as the chain is long.
    /// </summary>
    private static void Pickle(PyObject root, Stream output)
    {
        Exception? failure = null;
        var thread = new Thread(
            () =>
            {
                try
                {
                    PickleWriter.Write(output, root, Protocol);
                }
                catch (Exception e)
                {
                    failure = e;
                }
            },
            PickleStackBytes);
        thread.Start();
        thread.Join();
        if (failure is IOException)
        {
            ExceptionDispatchInfo.Throw(failure);
        }

        if (failure is not null)
        {
            throw new InvalidOperationException("pickling the TracedModule failed", failure);
        }
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
