using MgeConvert.Formats.Onnx;
using MgeConvert.Ir;
using Microsoft.ML.OnnxRuntime;
using Xunit.Abstractions;

namespace MgeConvert.Tests.Onnx;

/// <summary>
/// Every model of Debian's ONNX test corpus: read → IR → write ONNX (the model's opset, at least 7) → run in
/// ONNX Runtime on test_data_set_0 → compare with the corpus outputs.
/// </summary>
public sealed class OnnxConformanceTests(ITestOutputHelper output)
{
    private const double Atol = 1e-5;
    private const double Rtol = 1e-5;

    private enum Verdict
    {
        Passed,
        Unsupported,
        Mismatched,
    }

    [Fact]
    public void CorpusRunsInOnnxRuntimeAfterRoundTripThroughIr()
    {
        var totals = new int[3];
        var failures = new List<string>();
        foreach (var set in OnnxCorpus.Sets)
        {
            var counts = new int[3];
            var unsupported = new List<string>();
            var mismatched = new List<string>();
            var frozenPassed = 0;
            foreach (var dir in OnnxCorpus.Models(set))
            {
                var (verdict, reason, frozen) = Check(dir);
                counts[(int)verdict]++;
                frozenPassed += verdict == Verdict.Passed && frozen ? 1 : 0;
                var line = $"{Path.GetFileName(dir)}: {FirstLines(reason)}";
                (verdict == Verdict.Unsupported ? unsupported : verdict == Verdict.Mismatched ? mismatched : null)?.Add(line);
            }

            output.WriteLine($"{set}: {counts[0]} passed, {counts[1]} unsupported, {counts[2]} mismatched");
            output.WriteLine($"  ({frozenPassed} of the passed {set} models had shape operands bound to their test values)");
            foreach (var line in unsupported)
            {
                output.WriteLine($"  unsupported {set}/{line}");
            }

            foreach (var line in mismatched)
            {
                output.WriteLine($"  MISMATCHED {set}/{line}");
            }

            failures.AddRange(mismatched.Select(m => $"mismatch {set}/{m}"));
            if (set.StartsWith("pytorch", StringComparison.Ordinal))
            {
                failures.AddRange(unsupported.Select(u => $"unsupported {set}/{u}"));
            }

            for (var i = 0; i < 3; i++)
            {
                totals[i] += counts[i];
            }
        }

        output.WriteLine($"overall: {totals[0]} passed, {totals[1]} unsupported, {totals[2]} mismatched");
        Assert.True(totals[0] > 0, "no corpus model passed");
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    private static (Verdict Verdict, string Reason, bool Frozen) Check(string dir, int? targetOpset = null)
    {
        var path = Path.Combine(dir, "model.onnx");
        var original = OnnxReader.Parse(path, File.ReadAllBytes(path));
        var initializers = original.Graph.Initializer.Select(t => t.Name).ToHashSet();
        var inputNames = original.Graph.Input.Select(i => i.Name).Where(n => !initializers.Contains(n)).ToList();
        var outputNames = original.Graph.Output.Select(o => o.Name).ToList();
        List<Tensor>? inputs = null, expected = null;
        string? dataProblem = null;
        try
        {
            inputs = OnnxCorpus.Tensors(dir, "input");
            expected = OnnxCorpus.Tensors(dir, "output");
        }
        catch (NotSupportedException e)
        {
            dataProblem = "the harness cannot feed or compare this test data: " + e.Message;
        }

        var feeds = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var bytes = File.ReadAllBytes(path);
        var frozen = false;
        if (inputs is not null && expected is not null)
        {
            if (inputs.Count != inputNames.Count || expected.Count != outputNames.Count)
            {
                return (Verdict.Mismatched, $"test data has {inputs.Count} inputs/{expected.Count} outputs, model {inputNames.Count}/{outputNames.Count}", false);
            }

            feeds = inputNames.Zip(inputs).ToDictionary(p => p.First, p => p.Second, StringComparer.Ordinal);
            var shapeInputs = ShapeOperandFreezer.ShapeInputs(original);
            if (shapeInputs.Count > 0)
            {
                bytes = ShapeOperandFreezer.Freeze(original, feeds.Where(f => shapeInputs.Contains(f.Key)).ToDictionary());
                feeds = feeds.Where(f => !shapeInputs.Contains(f.Key)).ToDictionary(StringComparer.Ordinal);
                frozen = true;
            }
        }

        Graph graph;
        try
        {
            graph = OnnxReader.Read(path, bytes).Graph;
        }
        catch (ModelFormatException e)
        {
            return (Verdict.Unsupported, e.Detail, frozen);
        }

        if (dataProblem is not null || expected is null)
        {
            return (Verdict.Unsupported, dataProblem ?? "no test data", frozen);
        }

        var opset = targetOpset ?? (int)Math.Clamp(OnnxReader.DefaultOpset(original) ?? 0, OnnxWriter.MinOpset, OnnxWriter.MaxOpset);
        byte[] written;
        try
        {
            written = OnnxWriter.Serialize(graph, new ConversionOptions { Opset = opset }, path);
        }
        catch (UnsupportedOpsException e)
        {
            return (Verdict.Unsupported, e.Detail, frozen);
        }

        Dictionary<string, Tensor> actual;
        try
        {
            actual = OrtRunner.Run(written, feeds, outputNames);
        }
        catch (OnnxRuntimeException e)
        {
            try
            {
                OrtRunner.Run(bytes, feeds, outputNames);
            }
            catch (OnnxRuntimeException)
            {
                return (Verdict.Unsupported, "ONNX Runtime cannot run the original model either: " + e.Message, frozen);
            }

            return (Verdict.Mismatched, "ONNX Runtime rejects the converted model: " + e.Message, frozen);
        }

        for (var i = 0; i < outputNames.Count; i++)
        {
            var problem = Compare(expected[i], actual[outputNames[i]]);
            if (problem is null)
            {
                continue;
            }

            if (OriginalAgrees(bytes, feeds, outputNames, actual))
            {
                return (Verdict.Unsupported, $"oracle disagreement: ONNX Runtime on the original model gives the converted model's values, both differ from the corpus output {outputNames[i]} ({problem})", frozen);
            }

            return (Verdict.Mismatched, $"output {outputNames[i]}: {problem}", frozen);
        }

        return (Verdict.Passed, "", frozen);
    }

    /// <summary>
    /// The same check with every model written at each of several opsets: the writer must either emit that
    /// opset's form of every op (and ONNX Runtime must agree with the corpus) or refuse the op.
    /// </summary>
    [Theory]
    [InlineData(7)]
    [InlineData(9)]
    [InlineData(11)]
    [InlineData(13)]
    [InlineData(17)]
    [InlineData(21)]
    public void CorpusRunsWhenWrittenAtOtherOpsets(int opset)
    {
        var counts = new int[3];
        var mismatched = new List<string>();
        foreach (var dir in OnnxCorpus.Sets.SelectMany(OnnxCorpus.Models))
        {
            var (verdict, reason, _) = Check(dir, opset);
            counts[(int)verdict]++;
            if (verdict == Verdict.Mismatched)
            {
                mismatched.Add($"{Path.GetRelativePath(OnnxCorpus.Root, dir)}: {FirstLines(reason)}");
            }
        }

        output.WriteLine($"opset {opset}: {counts[0]} passed, {counts[1]} unsupported or refused, {counts[2]} mismatched");
        Assert.True(counts[0] > 0, "no corpus model passed");
        Assert.True(mismatched.Count == 0, string.Join(Environment.NewLine, mismatched));
    }

    /// <summary>Whether ONNX Runtime computes, for the unconverted model, what it computes for the converted one.</summary>
    private static bool OriginalAgrees(byte[] original, Dictionary<string, Tensor> feeds, List<string> outputNames, Dictionary<string, Tensor> converted)
    {
        try
        {
            var reference = OrtRunner.Run(original, feeds, outputNames);
            return outputNames.All(n => Compare(reference[n], converted[n]) is null);
        }
        catch (OnnxRuntimeException)
        {
            return false;
        }
    }

    private static string? Compare(Tensor expected, Tensor actual)
    {
        if (expected.DType.Element != actual.DType.Element || !expected.Shape.Equals(actual.Shape))
        {
            return $"got {actual.Type}, expected {expected.Type}";
        }

        var e = expected.ToDoubles();
        var a = actual.ToDoubles();
        var exact = !expected.DType.Element.IsFloat();
        for (var i = 0; i < e.Length; i++)
        {
            var same = exact ? e[i] == a[i]
                : (double.IsNaN(e[i]) && double.IsNaN(a[i])) || e[i] == a[i] || Math.Abs(a[i] - e[i]) <= Atol + (Rtol * Math.Abs(e[i]));
            if (!same)
            {
                return $"element {i} is {a[i]:R}, expected {e[i]:R}";
            }
        }

        return null;
    }

    private static string FirstLines(string text) => string.Join(" | ", text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Take(4));
}
