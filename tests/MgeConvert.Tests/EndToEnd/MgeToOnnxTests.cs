using MgeConvert.Formats;
using MgeConvert.Formats.Mge;
using MgeConvert.Tests.Onnx;
using MgeConvert.Tests.Support;
using Xunit.Abstractions;

namespace MgeConvert.Tests.EndToEnd;

/// <summary>mge_to_onnx on every loadable .mge fixture, run in ONNX Runtime against MegEngine's own outputs.</summary>
public class MgeToOnnxTests(ITestOutputHelper output)
{
    [Fact]
    public void EveryMgeFixtureMatchesMegEngineInOnnxRuntime()
    {
        var cases = FixtureCorpus.Cases(c => c.Kind == "mge" && c.ExpectOk).ToList();
        var failures = new List<string>();
        var passed = new Dictionary<string, int>();
        var total = new Dictionary<string, int>();
        using var temp = new Cli.TempDirectory();
        foreach (var fixture in cases)
        {
            total[fixture.Container] = total.GetValueOrDefault(fixture.Container) + 1;
            try
            {
                var problems = Check(fixture, temp.File(fixture.Id.Replace('/', '_') + ".onnx"));
                if (problems.Count == 0)
                {
                    passed[fixture.Container] = passed.GetValueOrDefault(fixture.Container) + 1;
                }
                else
                {
                    failures.Add($"{fixture.Id}: {string.Join("; ", problems)}");
                }
            }
            catch (Exception e) when (e is ModelFormatException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException)
            {
                failures.Add($"{fixture.Id}: {e.Message}");
            }
        }

        foreach (var container in total.Keys.Order(StringComparer.Ordinal))
        {
            output.WriteLine($"mge_to_onnx {container}: {passed.GetValueOrDefault(container)}/{total[container]} passed");
        }

        output.WriteLine($"mge_to_onnx: {cases.Count - failures.Count} passed, {failures.Count} failed");
        failures.ForEach(output.WriteLine);
        Assert.True(cases.Count > 150, $"only {cases.Count} .mge fixtures found");
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    private static List<string> Check(FixtureCase fixture, string onnxPath)
    {
        var options = new ConversionOptions { Output = onnxPath };
        new Converter().Convert(ModelFormat.Mge, ModelFormat.Onnx, fixture.ModelPath, options);
        var source = new MgeReader().Read(fixture.ModelPath, options).Graph;
        var inputs = fixture.Inputs.ToDictionary(i => i.Name, i => i.Data, StringComparer.Ordinal);
        var outputNames = source.Outputs.Select(o => o.Name).ToList();
        var results = OrtRunner.Run(File.ReadAllBytes(onnxPath), inputs, outputNames);
        return FixtureComparison.Compare(fixture, source, [.. outputNames.Select(n => results[n])]);
    }
}
