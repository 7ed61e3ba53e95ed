using MgeConvert.Formats;
using MgeConvert.Formats.Pickle;
using MgeConvert.Formats.TracedModule;
using MgeConvert.Tests.Onnx;
using MgeConvert.Tests.Support;
using Xunit.Abstractions;

namespace MgeConvert.Tests.TracedModule;

/// <summary>
/// MegEngine does not run here, so loader compatibility is shown by conformance with the real MegEngine-written
/// .tm fixtures: every global, every object's key set (per class, and per builtin module class inside
/// _ModuleState), every value kind and every opcode our writer emits must occur in the real files.
/// </summary>
public class TmWriterConformanceTests(ITestOutputHelper output)
{
    [Fact]
    public void WrittenFilesUseOnlyWhatRealMegEngineFilesUse()
    {
        var real = new Census();
        foreach (var fixture in FixtureCorpus.Cases(c => c.Kind == "tm" && c.ExpectOk))
        {
            real.Add(File.ReadAllBytes(fixture.ModelPath), fixture.Id);
        }

        Assert.True(real.Files >= 110, $"only {real.Files} real .tm files");
        var ours = new Census();
        using var temp = new Cli.TempDirectory();
        foreach (var (from, path, name) in Sources())
        {
            byte[] bytes;
            try
            {
                bytes = TmWriterRoundTrip.Convert(from, path, temp.File("out.tm"));
            }
            catch (UnsupportedOpsException)
            {
                continue;
            }

            ours.Add(bytes, name);
            Assert.NotNull(TmWriterRoundTrip.ReadBack(bytes, name));
        }

        output.WriteLine($"real files: {real.Files}, {real.Globals.Count} globals, {real.Keys.Count} classes, {real.Opcodes.Count} opcodes");
        output.WriteLine($"written files: {ours.Files}, {ours.Globals.Count} globals, {ours.Keys.Count} classes, {ours.Opcodes.Count} opcodes");
        Assert.True(ours.Files >= 350, $"only {ours.Files} files written");

        var problems = new List<string>();
        problems.AddRange(ours.Globals.Keys.Where(g => !real.Globals.ContainsKey(g)).Select(g => $"global {g} (in {ours.Globals[g]}) never occurs in a real file"));
        problems.AddRange(ours.Opcodes.Keys.Where(o => !real.Opcodes.ContainsKey(o)).Select(o => $"opcode 0x{o:x2} (in {ours.Opcodes[o]}) never occurs in a real file"));
        foreach (var (cls, keySets) in ours.Keys)
        {
            if (!real.Keys.TryGetValue(cls, out var realSets))
            {
                problems.Add($"class {cls} never occurs in a real file");
                continue;
            }

            foreach (var keys in keySets.Keys.Where(k => !realSets.ContainsKey(k)))
            {
                problems.Add($"{cls} written with keys [{keys}] (in {keySets[keys]}); real files have {string.Join(" or ", realSets.Keys.Select(k => $"[{k}]"))}");
            }
        }

        foreach (var (slot, kinds) in ours.Kinds)
        {
            var realKinds = real.Kinds.GetValueOrDefault(slot) ?? [];
            problems.AddRange(kinds.Where(k => k != "None" && !realKinds.Contains(k)).Select(k => $"{slot} written as {k}; real files hold {string.Join(", ", realKinds)}"));
        }

        foreach (var line in ours.Keys.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => $"  {k.Key}: {string.Join(" | ", k.Value.Keys)}"))
        {
            output.WriteLine(line);
        }

        problems.ForEach(output.WriteLine);
        Assert.Empty(problems);
    }

    private static IEnumerable<(ModelFormat From, string Path, string Name)> Sources()
    {
        foreach (var fixture in FixtureCorpus.Cases(c => c.ExpectOk && c.Precision == "float32"))
        {
            yield return (fixture.Kind == "tm" ? ModelFormat.TracedModule : ModelFormat.Mge, fixture.ModelPath, fixture.Id);
        }

        foreach (var dir in new[] { "pytorch-converted", "pytorch-operator" }.SelectMany(OnnxCorpus.Models))
        {
            yield return (ModelFormat.Onnx, Path.Combine(dir, "model.onnx"), Path.GetRelativePath(OnnxCorpus.Root, dir));
        }
    }

    /// <summary>Globals, opcodes, per-class key sets and per-(class, key) value kinds of a set of .tm files.</summary>
    private sealed class Census
    {
        public int Files { get; private set; }

        public Dictionary<string, string> Globals { get; } = [];

        public Dictionary<byte, string> Opcodes { get; } = [];

        public Dictionary<string, Dictionary<string, string>> Keys { get; } = [];

        public Dictionary<string, HashSet<string>> Kinds { get; } = [];

        public void Add(byte[] bytes, string file)
        {
            Files++;
            var (root, reader) = PickleReader.Open(bytes, file, new PickleLimits { MaxContainerDepth = 1 << 20 });
            foreach (var g in reader.GlobalsSeen)
            {
                Globals.TryAdd(g.FullName, file);
            }

            foreach (var op in OpcodeScan.Opcodes(bytes))
            {
                Opcodes.TryAdd(op, file);
            }

            var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
            var stack = new Stack<object?>([root]);
            while (stack.Count > 0)
            {
                var value = stack.Pop();
                if (value is null || value is string or long or double or bool || !seen.Add(value))
                {
                    continue;
                }

                switch (value)
                {
                    case PyObject o:
                        if (o.State is PyDict state)
                        {
                            Record(o.ClassName, state, file);
                            if (o.ClassName.EndsWith("._ModuleState", StringComparison.Ordinal) && state.Get("module") is PyTuple { Count: 2 } m && state.Get("state") is PyDict ms)
                            {
                                Record($"_ModuleState[{m[0]}.{m[1]}]", ms, file);
                            }
                        }

                        stack.Push(o.State);
                        stack.Push(o.Args);
                        break;
                    case PyDict d:
                        foreach (var (k, v) in d)
                        {
                            stack.Push(k);
                            stack.Push(v);
                        }

                        break;
                    case PyList l:
                        l.ForEach(stack.Push);
                        break;
                    case PyTuple t:
                        Array.ForEach(t.Items, stack.Push);
                        break;
                }
            }
        }

        private void Record(string cls, PyDict state, string file)
        {
            var fixedKeys = state.Where(e => !IsChildAttribute(cls, e)).Select(e => (string)e.Key!).ToList();
            var keys = Keys.TryGetValue(cls, out var k) ? k : Keys[cls] = [];
            keys.TryAdd(string.Join(", ", fixedKeys.Order(StringComparer.Ordinal)), file);
            foreach (var (key, value) in state.Where(e => !IsChildAttribute(cls, e)))
            {
                var slot = $"{cls}.{key}";
                (Kinds.TryGetValue(slot, out var kinds) ? kinds : Kinds[slot] = []).Add(Kind(value));
            }
        }

        /// <summary>A TracedModule's sub-module and tensor attributes are named by the model, not by the class.</summary>
        private static bool IsChildAttribute(string cls, KeyValuePair<object?, object?> entry) =>
            cls.EndsWith(".TracedModule", StringComparison.Ordinal) && entry.Value is PyObject o
            && (o.ClassName.EndsWith("._ModuleState", StringComparison.Ordinal) || o.ClassName.EndsWith(".TracedModule", StringComparison.Ordinal) || o.ClassName.StartsWith("megengine.tensor.", StringComparison.Ordinal));

        private static string Kind(object? value) => value switch
        {
            null => "None",
            PyObject o => o.ClassName,
            PyDict d => d.Class is { } c ? c.FullName : "dict",
            PyTuple t => "tuple",
            PyList => "list",
            NpDType => "numpy.dtype",
            NdArray => "numpy.ndarray",
            PyGlobal => "class",
            _ => value.GetType().Name,
        };
    }
}
