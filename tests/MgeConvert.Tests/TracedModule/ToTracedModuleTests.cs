using MgeConvert.Formats;
using MgeConvert.Formats.Onnx;
using MgeConvert.Ir;
using MgeConvert.Tests.EndToEnd;
using MgeConvert.Tests.Onnx;
using MgeConvert.Tests.Support;
using Xunit.Abstractions;
using static MgeConvert.Tests.TracedModule.TmWriterRoundTrip;

namespace MgeConvert.Tests.TracedModule;

/// <summary>
/// The .tm writer end to end: model → .tm (public Converter) → our reader → our ONNX writer → ONNX Runtime,
/// against MegEngine's outputs (fixtures) or ONNX Runtime on the source model (ONNX corpora).
/// </summary>
public class ToTracedModuleTests(ITestOutputHelper output)
{
    /// <summary>
    /// Every fixture (.mge and .tm: float, int8-quantized and QAT) → .tm → read back → ONNX → ONNX Runtime vs
    /// MegEngine's outputs. Quantized and QAT models are written as QAT TracedModules; their read-back runs with
    /// the fake quantization explicit, raw quantized outputs within one step.
    /// </summary>
    [Fact]
    public void EveryFixtureWrittenAsTracedModuleMatchesMegEngine()
    {
        var counts = new int[3];
        var failures = new List<string>();
        using var temp = new Cli.TempDirectory();
        foreach (var fixture in FixtureCorpus.Cases(c => c.ExpectOk))
        {
            var from = fixture.Kind == "tm" ? ModelFormat.TracedModule : ModelFormat.Mge;
            var (verdict, reason) = CheckFixture(fixture, from, temp.File(fixture.Id.Replace('/', '_') + ".tm"));
            counts[(int)verdict]++;
            if (verdict != Verdict.Passed)
            {
                failures.Add($"{verdict} {fixture.Id} ({fixture.Precision}): {FirstLine(reason)}");
            }
        }

        output.WriteLine($"fixtures -> tm: {counts[0]} passed, {counts[1]} unsupported, {counts[2]} mismatched");
        failures.ForEach(output.WriteLine);
        Assert.True(counts[0] >= 274, $"only {counts[0]} fixtures passed");
        Assert.True(counts[1] + counts[2] == 0, string.Join(Environment.NewLine, failures));
    }

    /// <summary>
    /// Acceptance corpus: libonnx-testdata pytorch-converted and pytorch-operator → .tm → read back → ONNX →
    /// ONNX Runtime, against ONNX Runtime on the source model with the corpus inputs (the corpus's stored outputs
    /// where ONNX Runtime has no kernel for the source model's old opset).
    /// </summary>
    [Theory]
    [InlineData("pytorch-converted")]
    [InlineData("pytorch-operator")]
    public void OnnxCorpusWrittenAsTracedModuleMatchesSource(string set)
    {
        var counts = new int[3];
        var inRange = 0;
        var failures = new List<string>();
        using var temp = new Cli.TempDirectory();
        foreach (var dir in OnnxCorpus.Models(set))
        {
            var name = Path.GetFileName(dir);
            var inputs = OnnxCorpus.Tensors(dir, "input");
            var outOfRange = Float32Range.Exceeded(inputs);
            if (outOfRange)
            {
                inputs = [.. inputs.Select((t, i) => Float32Range.InRange(t, i + 1))];
                output.WriteLine($"{set}/{name}: its float64 test inputs exceed float32 (MegEngine has no float64): compared on in-range inputs");
                inRange++;
            }

            var path = Path.Combine(dir, "model.onnx");
            var stored = outOfRange
                ? MgeWriting.MgeWriteHarness.RunInOrt(OnnxReader.Read(path, File.ReadAllBytes(path)).Graph, InputsByName(path, inputs))
                : OnnxCorpus.Tensors(dir, "output");
            var (verdict, reason) = CheckOnnx(path, inputs, temp.File(name + ".tm"), stored);
            counts[(int)verdict]++;
            if (verdict != Verdict.Passed)
            {
                failures.Add($"{verdict} {set}/{name}: {FirstLine(reason)}");
            }
        }

        output.WriteLine($"{set}: {inRange} models compared on in-range inputs (listed above)");
        Report(set, counts, failures);
    }

    /// <summary>
    /// Beyond the acceptance sets: libonnx-testdata node and simple models the ONNX reader reads → .tm → read back →
    /// ONNX → ONNX Runtime vs the corpus outputs. Many node tests use ops MegEngine lacks (unsupported is fine);
    /// none may mismatch. Models ONNX Runtime cannot run at all (no kernel for their own types) are not counted.
    /// </summary>
    [Fact]
    public void OnnxNodeCorpusWrittenAsTracedModuleNeverMismatches()
    {
        var counts = new int[3];
        var notRunnable = 0;
        var failures = new List<string>();
        using var temp = new Cli.TempDirectory();
        foreach (var dir in new[] { "node", "simple" }.SelectMany(OnnxCorpus.Models))
        {
            var path = Path.Combine(dir, "model.onnx");
            List<Tensor> inputs, stored;
            try
            {
                inputs = OnnxCorpus.Tensors(dir, "input");
                stored = OnnxCorpus.Tensors(dir, "output");
                OnnxReader.Read(path, File.ReadAllBytes(path));
            }
            catch (Exception e) when (e is ModelFormatException or NotSupportedException)
            {
                continue;
            }

            Verdict verdict;
            string reason;
            try
            {
                var bytes = Convert(ModelFormat.Onnx, path, temp.File("node.tm"));
                var problem = Compare(stored, Run(ReadBack(bytes, path), inputs));
                (verdict, reason) = problem is null ? (Verdict.Passed, "") : (Verdict.Mismatched, problem);
            }
            catch (UnsupportedOpsException e)
            {
                (verdict, reason) = (Verdict.Unsupported, e.Message);
            }
            catch (Microsoft.ML.OnnxRuntime.OnnxRuntimeException e) when (!RunsInOnnxRuntime(path, inputs))
            {
                notRunnable++;
                output.WriteLine($"not runnable in ONNX Runtime {Path.GetFileName(dir)}: {FirstLine(e.Message)}");
                continue;
            }
            catch (Exception e) when (e is ModelFormatException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException)
            {
                (verdict, reason) = (Verdict.Mismatched, e.Message);
            }

            counts[(int)verdict]++;
            if (verdict == Verdict.Mismatched)
            {
                failures.Add($"{Path.GetRelativePath(OnnxCorpus.Root, dir)}: {FirstLine(reason)}");
            }
        }

        output.WriteLine($"node+simple -> tm: {counts[0]} passed, {counts[1]} unsupported, {counts[2]} mismatched, {notRunnable} not runnable in ONNX Runtime");
        failures.ForEach(output.WriteLine);
        Assert.True(counts[0] >= 350, $"only {counts[0]} models passed");
        Assert.True(counts[2] == 0, string.Join(Environment.NewLine, failures));
    }

    private static bool RunsInOnnxRuntime(string onnxPath, IReadOnlyList<Tensor> inputs)
    {
        var model = OnnxReader.Parse(onnxPath, File.ReadAllBytes(onnxPath));
        var initializers = model.Graph.Initializer.Select(t => t.Name).ToHashSet();
        var names = model.Graph.Input.Select(i => i.Name).Where(n => !initializers.Contains(n)).ToList();
        try
        {
            OrtRunner.Run(File.ReadAllBytes(onnxPath), names.Zip(inputs).ToDictionary(p => p.First, p => p.Second, StringComparer.Ordinal), [.. model.Graph.Output.Select(o => o.Name)]);
            return true;
        }
        catch (Microsoft.ML.OnnxRuntime.OnnxRuntimeException)
        {
            return false;
        }
    }

    /// <summary>
    /// Our mge_to_onnx output of every .mge fixture (int8 ones as QDQ ONNX) → .tm → read back → ONNX → ONNX Runtime
    /// vs the mge_to_onnx model in ONNX Runtime; quantized outputs within one quantization step.
    /// </summary>
    [Fact]
    public void MgeToOnnxOutputsWrittenAsTracedModuleMatchSource()
    {
        var counts = new int[3];
        var failures = new List<string>();
        using var temp = new Cli.TempDirectory();
        foreach (var fixture in FixtureCorpus.Cases(c => c.ExpectOk && c.Kind == "mge"))
        {
            var stem = temp.File(fixture.Id.Replace('/', '_'));
            Verdict verdict;
            string reason;
            try
            {
                new Converter().Convert(ModelFormat.Mge, ModelFormat.Onnx, fixture.ModelPath, new ConversionOptions { Output = stem + ".onnx" });
                var onnxInputs = new Converter().Read(stem + ".onnx", ModelFormat.Onnx, new ConversionOptions()).Graph.Inputs.Select(i => i.Name).ToList();
                (verdict, reason) = CheckOnnx(stem + ".onnx", FixtureInputs(fixture, onnxInputs), stem + ".tm");
            }
            catch (ModelFormatException e)
            {
                (verdict, reason) = (Verdict.Unsupported, "mge_to_onnx: " + e.Message);
            }

            counts[(int)verdict]++;
            if (verdict != Verdict.Passed)
            {
                failures.Add($"{verdict} {fixture.Id} ({fixture.Precision}): {FirstLine(reason)}");
            }
        }

        output.WriteLine($"mge_to_onnx outputs -> tm: {counts[0]} passed, {counts[1]} unsupported, {counts[2]} mismatched");
        failures.ForEach(output.WriteLine);
        Assert.True(counts[0] >= 157, $"only {counts[0]} models passed");
        Assert.True(counts[1] + counts[2] == 0, string.Join(Environment.NewLine, failures));
    }

    private void Report(string set, int[] counts, List<string> failures)
    {
        output.WriteLine($"{set} -> tm: {counts[0]} passed, {counts[1]} unsupported, {counts[2]} mismatched");
        failures.ForEach(output.WriteLine);
        Assert.True(counts[0] > 0, $"no {set} model passed");
        Assert.True(counts[1] + counts[2] == 0, string.Join(Environment.NewLine, failures));
    }

    private static (Verdict, string) CheckFixture(FixtureCase fixture, ModelFormat from, string tmPath)
    {
        try
        {
            var bytes = Convert(from, fixture.ModelPath, tmPath);
            var source = new Converter().Read(fixture.ModelPath, from, new ConversionOptions()).Graph;
            var actual = AsSourceOutputs(source, Run(ReadBack(bytes, tmPath), FixtureInputs(fixture, [.. source.Inputs.Select(i => i.Name)])));
            var problems = FixtureComparison.Compare(fixture, source, actual);
            return problems.Count == 0 ? (Verdict.Passed, "") : (Verdict.Mismatched, string.Join("; ", problems));
        }
        catch (UnsupportedOpsException e)
        {
            return (Verdict.Unsupported, e.Message);
        }
        catch (ModelFormatException e)
        {
            return (Verdict.Mismatched, e.Message);
        }
    }

    private static Dictionary<string, Tensor> InputsByName(string onnxPath, IReadOnlyList<Tensor> inputs) =>
        OnnxReader.Read(onnxPath, File.ReadAllBytes(onnxPath)).Graph.Inputs.Zip(inputs).ToDictionary(p => p.First.Name, p => p.Second, StringComparer.Ordinal);

    private static (Verdict, string) CheckOnnx(string onnxPath, IReadOnlyList<Tensor> inputs, string tmPath, IReadOnlyList<Tensor>? stored = null)
    {
        var source = OnnxReader.Parse(onnxPath, File.ReadAllBytes(onnxPath));
        var initializers = source.Graph.Initializer.Select(t => t.Name).ToHashSet();
        var inputNames = source.Graph.Input.Select(i => i.Name).Where(n => !initializers.Contains(n)).ToList();
        var outputNames = source.Graph.Output.Select(o => o.Name).ToList();
        List<Tensor> expected;
        try
        {
            var results = OrtRunner.Run(File.ReadAllBytes(onnxPath), inputNames.Zip(inputs).ToDictionary(p => p.First, p => p.Second, StringComparer.Ordinal), outputNames);
            expected = [.. outputNames.Select(n => results[n])];
        }
        catch (Microsoft.ML.OnnxRuntime.OnnxRuntimeException) when (stored is not null)
        {
            expected = [.. stored];
        }

        try
        {
            var bytes = Convert(ModelFormat.Onnx, onnxPath, tmPath);
            var read = OnnxReader.Read(onnxPath, File.ReadAllBytes(onnxPath)).Graph;
            var actual = AsSourceOutputs(read, Run(ReadBack(bytes, tmPath), inputs));
            var problem = Compare(expected, actual, Tolerances(read));
            return problem is null ? (Verdict.Passed, "") : (Verdict.Mismatched, problem);
        }
        catch (UnsupportedOpsException e)
        {
            return (Verdict.Unsupported, e.Message);
        }
        catch (Exception e) when (e is ModelFormatException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException)
        {
            return (Verdict.Mismatched, e.Message);
        }
    }

    /// <summary>The fixture inputs in graph-input order: by name where the names agree, else by position.</summary>
    private static List<Tensor> FixtureInputs(FixtureCase fixture, IReadOnlyList<string> names) =>
        [.. names.Zip(fixture.Inputs).Select(p => fixture.Inputs.FirstOrDefault(i => i.Name == p.First) is { Data: not null } named ? named.Data : p.Second.Data)];

    private static string FirstLine(string s) => string.Join(" | ", s.Split('\n').Take(6).Select(l => l.Trim()));
}
