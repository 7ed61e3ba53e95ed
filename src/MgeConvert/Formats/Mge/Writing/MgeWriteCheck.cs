using MgeConvert.Ir;

namespace MgeConvert.Formats.Mge.Writing;

/// <summary>
/// Reads a freshly written dump back with the project's own loader and reader and compares it with what was
/// meant to be written: operator records, graph inputs and outputs (names, shapes, dtypes). A difference is a
/// writer bug, reported as an internal error before any file is written.
/// </summary>
internal static class MgeWriteCheck
{
    /// <summary>
    /// <paramref name="dump"/> is read in place: the read-back constants are views of it. Large tensors are holes
    /// until the dump is written, so their bytes are undefined here; their sizes and everything else are checked.
    /// </summary>
    public static void Verify(string path, ArraySegment<byte> dump, MgeWriteProgram program, Graph graph, MgeWriteSettings settings)
    {
        var problems = new List<string>();
        try
        {
            var layout = MgeDetector.Detect(path, dump);
            var records = MgeDumpLoader.Load(path, dump.Array!, dump.Offset + layout.Start, layout.Container);
            CheckRecords(records, program, settings, problems);
            var model = MgeReader.Read(path, dump, new ConversionOptions());
            CheckInterface(model.Graph, graph, problems);
        }
        catch (Exception e) when (e is ModelFormatException or UnsupportedOpsException or IrException)
        {
            problems.Add($"reading it back fails: {e.Message}");
        }

        if (problems.Count > 0)
        {
            throw new ModelFormatException(path, "internal error, the written .mge does not read back as written:" + Environment.NewLine + "  "
                + string.Join(Environment.NewLine + "  ", problems));
        }
    }

    private static void CheckRecords(MgeDump dump, MgeWriteProgram program, MgeWriteSettings settings, List<string> problems)
    {
        if (dump.Operators.Count != program.Ops.Count)
        {
            problems.Add($"{dump.Operators.Count} operators read back, {program.Ops.Count} written");
            return;
        }

        for (var i = 0; i < program.Ops.Count; i++)
        {
            var written = program.Ops[i];
            var read = dump.Operators[i];
            var expected = MgeWriteTypes.For(written.Class, settings.Container);
            if (read.Type != written.Class || read.TypeId != expected.TypeId || read.OprVersion != expected.Version)
            {
                problems.Add($"operator #{i}: wrote {written.Class} (id {expected.TypeId}, version {expected.Version}), read {read.Type} (id {read.TypeId}, version {read.OprVersion})");
            }

            if (!read.Outputs.SequenceEqual(written.Outputs) || !read.Params.Select(p => p.Tag).SequenceEqual(written.Params.Select(p => p.Tag)))
            {
                problems.Add($"operator #{i} ({written.Class}): outputs or params differ");
            }
        }

        var histogram = program.Ops.GroupBy(o => o.Class).ToDictionary(g => g.Key, g => g.Count());
        foreach (var group in dump.Operators.GroupBy(o => o.Type))
        {
            if (histogram.GetValueOrDefault(group.Key) != group.Count())
            {
                problems.Add($"{group.Count()} {group.Key} operators read back, {histogram.GetValueOrDefault(group.Key)} written");
            }
        }

        if (!dump.Outputs.Select(o => (o.Var, o.Name ?? "")).SequenceEqual(program.Outputs))
        {
            problems.Add("the output var list differs");
        }
    }

    private static void CheckInterface(Graph read, Graph written, List<string> problems)
    {
        // An input that is itself a graph output shares its name with the output var; the reader renames the input then.
        var outputNames = written.Outputs.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        Compare("input", read.Inputs, written.Inputs, problems, w => !outputNames.Contains(w.Name));
        Compare("output", read.Outputs, written.Outputs, problems, _ => true);
    }

    private static void Compare(string kind, IReadOnlyList<Value> read, IReadOnlyList<Value> written, List<string> problems, Func<Value, bool> checkName)
    {
        if (read.Count != written.Count)
        {
            problems.Add($"{read.Count} {kind}s read back, {written.Count} written");
            return;
        }

        for (var i = 0; i < read.Count; i++)
        {
            var (r, w) = (read[i], written[i]);
            var dtype = MgeWriteDTypes.From(w.DType) is { } d ? MgeWriteDTypes.ReadBack(d) : null;
            if ((checkName(w) && r.Name != w.Name) || r.DType != dtype || !SameShape(r.Shape, w.Shape))
            {
                problems.Add($"{kind} {i}: wrote {w.Name} {dtype}{w.Shape}, read {r.Name} {r.DType}{r.Shape}");
            }
        }
    }

    /// <summary>MegEngine has no 0-d tensors: [] and [1] are the same shape here; unknown dims match anything.</summary>
    private static bool SameShape(Shape a, Shape b)
    {
        if (!a.HasRank || !b.HasRank)
        {
            return true;
        }

        long[] A(Shape s) => s.Rank == 0 ? [1] : s.ToArray();
        var (x, y) = (A(a), A(b));
        return x.Length == y.Length && x.Zip(y).All(p => p.First < 0 || p.Second < 0 || p.First == p.Second);
    }
}
