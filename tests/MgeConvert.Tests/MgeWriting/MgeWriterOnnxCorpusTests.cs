using MgeConvert.Formats;
using MgeConvert.Ir;
using MgeConvert.Tests.Onnx;
using MgeConvert.Tests.Support;
using Xunit.Abstractions;

namespace MgeConvert.Tests.MgeWriting;

/// <summary>
/// onnx_to_mge acceptance corpus: libonnx-testdata pytorch-converted and pytorch-operator, and the ONNX files our
/// mge_to_onnx writes from every .mge fixture. Each model → .mge in every container → read back → ONNX → ONNX
/// Runtime, compared with the source ONNX run in ONNX Runtime on the same inputs.
/// </summary>
public class MgeWriterOnnxCorpusTests(ITestOutputHelper output)
{
    [Fact]
    public void LibOnnxPyTorchModelsConvertAndMatch()
    {
        List<(string, string, Func<Graph, Dictionary<string, Tensor>>, Func<Graph, Dictionary<string, Tensor>, List<Tensor>>?)> models = [.. OnnxCorpus.Models("pytorch-converted").Concat(OnnxCorpus.Models("pytorch-operator"))
            .Select(dir => (Name: Path.GetFileName(dir), Path: Path.Combine(dir, "model.onnx"),
                Inputs: (Func<Graph, Dictionary<string, Tensor>>)(g => Positional(g, OnnxCorpus.Tensors(dir, "input"))),
                Expected: (Func<Graph, Dictionary<string, Tensor>, List<Tensor>>?)((_, _) => OnnxCorpus.Tensors(dir, "output"))))];
        Run("libonnx pytorch", models, 100);
    }

    [Fact]
    public void OurOnnxExportsOfTheFixturesConvertAndMatch()
    {
        using var temp = new Cli.TempDirectory();
        var models = new List<(string, string, Func<Graph, Dictionary<string, Tensor>>, Func<Graph, Dictionary<string, Tensor>, List<Tensor>>?)>();
        foreach (var fixture in FixtureCorpus.Cases(c => c.Kind == "mge" && c.ExpectOk))
        {
            var onnx = temp.File(fixture.Id.Replace('/', '_') + ".onnx");
            new Converter().Convert(ModelFormat.Mge, ModelFormat.Onnx, fixture.ModelPath, new ConversionOptions { Output = onnx });
            models.Add((fixture.Id, onnx, g => Named(g, fixture.Inputs), null));
        }

        Run("mge_to_onnx exports", models, 100);
    }

    /// <summary><paramref name="models"/>: the expected outputs are the stored ones where given, else the source model run in ONNX Runtime.</summary>
    private void Run(string set, List<(string Name, string Path, Func<Graph, Dictionary<string, Tensor>> Inputs, Func<Graph, Dictionary<string, Tensor>, List<Tensor>>? Expected)> models, int minimum)
    {
        using var temp = new Cli.TempDirectory();
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var (name, path, inputsOf, expectedOf) in models)
        {
            Graph source;
            try
            {
                source = new Converter().Read(path, ModelFormat.Onnx, new ConversionOptions()).Graph;
            }
            catch (UnsupportedOpsException e)
            {
                // A limit of the ONNX reader (the writer never sees the model): listed, not counted against the writer.
                counts["excluded"] = counts.GetValueOrDefault("excluded") + MgeWriteHarness.Containers.Length;
                output.WriteLine($"{name}: excluded, the ONNX reader cannot read it: {e.Message.ReplaceLineEndings(" ")}");
                continue;
            }

            var inputs = inputsOf(source);
            var outOfRange = Float32Range.Exceeded(inputs.Values);
            if (outOfRange)
            {
                inputs = inputs.ToDictionary(p => p.Key, p => Float32Range.InRange(p.Value, p.Key.Length), StringComparer.Ordinal);
                counts["in-range inputs"] = counts.GetValueOrDefault("in-range inputs") + 1;
                output.WriteLine($"{name}: its float64 test inputs exceed float32 (MegEngine has no float64): compared on in-range inputs");
            }

            var reference = expectedOf is not null && !outOfRange ? expectedOf(source, inputs) : SourceInOrt(path, source, inputs);

            foreach (var container in MgeWriteHarness.Containers)
            {
                string outcome;
                try
                {
                    var (_, graph) = MgeWriteHarness.Write(ModelFormat.Onnx, path, temp.File($"{name.Replace('/', '_')}.{container}.mge"), container);
                    var mismatch = MgeWriteHarness.Mismatch(reference, MgeWriteHarness.RunInOrt(graph, inputs));
                    outcome = mismatch is null ? "passed" : "mismatched";
                    if (mismatch is not null)
                    {
                        problems.Add($"{name} → {container}: {mismatch}");
                    }
                }
                catch (UnsupportedOpsException e)
                {
                    outcome = "unsupported";
                    problems.Add($"{name} → {container}: {e.Message}");
                }
                catch (Exception e) when (e is ModelFormatException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException)
                {
                    outcome = "failed";
                    problems.Add($"{name} → {container}: {e.Message}");
                }

                counts[outcome] = counts.GetValueOrDefault(outcome) + 1;
            }
        }

        output.WriteLine($"{set}: {models.Count} models × {MgeWriteHarness.Containers.Length} containers: "
            + $"{counts.GetValueOrDefault("passed")} passed, {counts.GetValueOrDefault("unsupported")} unsupported, "
            + $"{counts.GetValueOrDefault("mismatched")} mismatched, {counts.GetValueOrDefault("failed")} failed, {counts.GetValueOrDefault("excluded")} excluded; {counts.GetValueOrDefault("in-range inputs")} models compared on in-range inputs (explained above)");
        problems.ForEach(output.WriteLine);
        Assert.True(models.Count >= minimum, $"only {models.Count} models in {set}");
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    /// <summary>The source model in ONNX Runtime; where it has no kernel for the model's old opset, our opset-13 export of it.</summary>
    private static List<Tensor> SourceInOrt(string path, Graph source, Dictionary<string, Tensor> inputs)
    {
        try
        {
            var results = OrtRunner.Run(File.ReadAllBytes(path), inputs, [.. source.Outputs.Select(o => o.Name)]);
            return [.. source.Outputs.Select(o => results[o.Name])];
        }
        catch (Microsoft.ML.OnnxRuntime.OnnxRuntimeException e) when (e.Message.Contains("NotImplemented", StringComparison.Ordinal))
        {
            return MgeWriteHarness.RunInOrt(source, inputs);
        }
    }

    /// <summary>Fixture inputs by name where the names agree, else by position.</summary>
    private static Dictionary<string, Tensor> Named(Graph graph, IReadOnlyList<(string Name, Tensor Data)> data) =>
        graph.Inputs.Select((v, i) => (v.Name, Data: data.FirstOrDefault(d => d.Name == v.Name) is { Data: not null } named ? named.Data : data[i].Data))
            .ToDictionary(p => p.Name, p => p.Data, StringComparer.Ordinal);

    private static Dictionary<string, Tensor> Positional(Graph graph, IReadOnlyList<Tensor> data) =>
        graph.Inputs.Zip(data).ToDictionary(p => p.First.Name, p => p.Second, StringComparer.Ordinal);
}
