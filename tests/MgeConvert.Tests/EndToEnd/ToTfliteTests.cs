using MgeConvert.Formats;
using MgeConvert.Formats.TFLite;
using MgeConvert.Ir;
using MgeConvert.IO;
using MgeConvert.Passes;
using MgeConvert.Tests.Support;
using MgeConvert.Tests.TFLite;
using Xunit.Abstractions;

namespace MgeConvert.Tests.EndToEnd;

/// <summary>
/// mge_to_tflite and tracedmodule_to_tflite on every float and int8 fixture: converted models run in LiteRT
/// against MegEngine's outputs.
/// </summary>
public class ToTfliteTests(ITestOutputHelper output)
{
    /// <summary>Fixtures TFLite can express; a drop means a regression.</summary>
    private const int MinimumPassing = 156;

    private const int MinimumPassingTracedModule = 109;

    [Fact]
    public void EveryExpressibleMgeFixtureMatchesMegEngineInLiteRt() => RunAll("mge", ModelFormat.Mge, "mge_to_tflite", MinimumPassing);

    [Fact]
    public void EveryExpressibleTracedModuleFixtureMatchesMegEngineInLiteRt() =>
        RunAll("tm", ModelFormat.TracedModule, "tracedmodule_to_tflite", MinimumPassingTracedModule);

    private void RunAll(string kind, ModelFormat from, string command, int minimumPassing)
    {
        using var temp = new Cli.TempDirectory();
        var unsupported = new List<string>();
        var mismatched = new List<string>();
        var converted = new List<(FixtureCase Fixture, Graph Graph, LiteRtRun Run)>();
        foreach (var fixture in FixtureCorpus.Cases(c => c.Kind == kind && c.ExpectOk && c.Precision != "qat"))
        {
            var options = new ConversionOptions { Output = temp.File(fixture.Id.Replace('/', '_') + ".tflite") };
            var graph = new Converter().Read(fixture.ModelPath, from, options).Graph;
            try
            {
                PassPipeline.Standard(ModelFormat.TFLite, options).Run(graph);
                var file = new TFLiteWriter().Prepare(graph, options).Single();
                AtomicFile.Write(file.Path, file.WriteTo);
                var inputs = graph.Inputs.Select((v, k) => Input(fixture, v, k)).ToList();
                converted.Add((fixture, graph, new LiteRtRun(file.Path, inputs)));
            }
            catch (UnsupportedOpsException e)
            {
                unsupported.Add($"{fixture.Id}: {string.Join(", ", e.Ops.Select(o => o.OpType).Distinct())}");
            }
            catch (NotSupportedException e)
            {
                unsupported.Add($"{fixture.Id}: {e.Message}");
            }
        }

        var passed = LiteRtFixtureRuns.RunAndCompare(converted, mismatched);

        output.WriteLine($"{command}: {passed} passed, {unsupported.Count} unsupported, {mismatched.Count} mismatched");
        unsupported.ForEach(u => output.WriteLine("unsupported " + u));
        mismatched.ForEach(m => output.WriteLine("mismatched " + m));
        Assert.True(mismatched.Count == 0, string.Join(Environment.NewLine, mismatched));
        Assert.True(passed >= minimumPassing, $"only {passed} fixtures converted to TFLite and matched");
    }

    /// <summary>The fixture input for a graph input: by name where the names agree, else by position.</summary>
    private static (string, int[], double[]) Input(FixtureCase fixture, Value input, int position) =>
        (TFLiteWriterTests.JsType(input.DType), input.Shape.ToIntArray(),
            (fixture.Inputs.FirstOrDefault(i => i.Name == input.Name).Data ?? fixture.Inputs[position].Data).ToDoubles());
}
