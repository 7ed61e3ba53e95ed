using MgeConvert.Formats.Pickle;
using MgeConvert.Ir;

namespace MgeConvert.Formats.TracedModule;

/// <summary>
/// The writer's output check: the bytes are read back (pickle → TracedModule view → IR) and compared with the
/// object graph that was written — graph inputs and outputs (names, shapes, dtypes) and every expr in order
/// (kind, target, operand and result names) — and the read-back IR's inputs/outputs with the source graph's.
/// </summary>
internal static class TmSelfCheck
{
    /// <summary><paramref name="bytes"/> are read in place: the read-back arrays are views of them.</summary>
    public static void Verify(PyObject written, ReadOnlyMemory<byte> bytes, Graph source, IReadOnlyDictionary<Value, TensorType> types, string path)
    {
        var expected = Describe(written, path);
        object? reread;
        PickleReader pickle;
        try
        {
            (reread, pickle) = PickleReader.Open(bytes, path, TracedModuleReader.Limits);
        }
        catch (ModelFormatException e)
        {
            throw Internal(path, "the written pickle does not read back: " + e.Detail);
        }

        var actual = Describe(reread as PyObject ?? throw Internal(path, "the written pickle holds no object"), path);
        Compare(path, "graph structure", expected, actual);

        Graph graph;
        try
        {
            graph = TracedModuleReader.Import(reread, pickle, path, new ConversionOptions()).Graph;
        }
        catch (ModelFormatException e)
        {
            throw Internal(path, "the written TracedModule does not convert back to the IR: " + e.Detail);
        }

        Compare(path, "graph inputs", Signature(source.Inputs, types), Signature(graph.Inputs, null));
        Compare(path, "graph outputs", Signature(source.Outputs, types), Signature(graph.Outputs, null));
    }

    private static List<string> Describe(PyObject root, string path)
    {
        var loader = new TmLoader(path);
        var module = loader.Module(root) ?? throw Internal(path, "the root is not a TracedModule");
        var graph = loader.GraphOf(module, null);
        var lines = new List<string>();
        lines.AddRange(graph.Inputs.Select(n => $"input {Node(n)}"));
        foreach (var expr in graph.Exprs)
        {
            lines.Add($"{expr} ({string.Join(", ", expr.Inputs.Select(n => n.Name))}) -> {string.Join(", ", expr.Outputs.Select(Node))}");
        }

        lines.AddRange(graph.Outputs.Select(n => $"output {Node(n)}"));
        return lines;
    }

    private static string Node(TmNode n) => $"{n.Name}{(n.IsModule ? "" : $":{n.DType?.Code}[{string.Join(",", n.Shape ?? [])}]")}";

    private static List<string> Signature(IEnumerable<Value> values, IReadOnlyDictionary<Value, TensorType>? types) =>
        [.. values.Select(v =>
        {
            var t = types is not null && types.TryGetValue(v, out var frozen) ? frozen : v.Type;
            return $"{TmExportContext.Storage(t.DType)}{t.Shape}";
        })];

    private static void Compare(string path, string what, List<string> expected, List<string> actual)
    {
        var count = Math.Min(expected.Count, actual.Count);
        for (var i = 0; i < count; i++)
        {
            if (expected[i] != actual[i])
            {
                throw Internal(path, $"{what} differ after reading the file back, at entry {i}: wrote '{expected[i]}', read '{actual[i]}'");
            }
        }

        if (expected.Count != actual.Count)
        {
            throw Internal(path, $"{what}: wrote {expected.Count} entries, read back {actual.Count}");
        }
    }

    private static ModelFormatException Internal(string path, string message) => new(path, "internal error in the TracedModule writer: " + message);
}
