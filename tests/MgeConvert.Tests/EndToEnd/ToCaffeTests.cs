using MgeConvert.Formats;
using MgeConvert.Ir;
using MgeConvert.Passes;
using MgeConvert.Tests.Caffe;
using MgeConvert.Tests.Support;
using Xunit.Abstractions;

namespace MgeConvert.Tests.EndToEnd;

/// <summary>
/// mge_to_caffe and tracedmodule_to_caffe on every float and int8 fixture: converted models run in OpenCV-DNN
/// against MegEngine's outputs. (QAT models convert to a float Caffe model plus quant_params.json, whose content
/// QatQuantParamsTests checks.)
/// </summary>
public class ToCaffeTests(ITestOutputHelper output)
{
    /// <summary>Fixtures whose ops Caffe can express; a drop means a regression.</summary>
    private const int MinimumPassing = 127;

    private const int MinimumPassingTracedModule = 101;

    [Fact]
    public void EveryExpressibleMgeFixtureMatchesMegEngineInOpenCv() => RunAll("mge", ModelFormat.Mge, "mge_to_caffe", MinimumPassing);

    [Fact]
    public void EveryExpressibleTracedModuleFixtureMatchesMegEngineInOpenCv() =>
        RunAll("tm", ModelFormat.TracedModule, "tracedmodule_to_caffe", MinimumPassingTracedModule);

    private void RunAll(string kind, ModelFormat from, string command, int minimumPassing)
    {
        var cases = FixtureCorpus.Cases(c => c.Kind == kind && c.ExpectOk && c.Precision != "qat").ToList();
        var passed = 0;
        var unsupported = new List<string>();
        var mismatched = new List<string>();
        foreach (var fixture in cases)
        {
            var options = new ConversionOptions();
            var graph = new Converter().Read(fixture.ModelPath, from, options).Graph;
            PassPipeline.Standard(ModelFormat.Caffe, options).Run(graph);
            using var caffe = new OpenCvCaffe();
            float[][] results;
            try
            {
                results = caffe.Run(graph, [.. graph.Inputs.Select((v, k) => Input(fixture, v, k))]);
            }
            catch (UnsupportedOpsException e)
            {
                unsupported.Add($"{fixture.Id}: {string.Join(", ", e.Ops.Select(o => o.OpType).Distinct())}");
                continue;
            }
            catch (Exception e) when (e is OpenCvSharp.OpenCVException or Xunit.Sdk.XunitException)
            {
                mismatched.Add($"{fixture.Id}: OpenCV refused the converted model: {e.Message}");
                continue;
            }

            var actual = results.Select((r, i) => Tensor.FromFloats(new Shape(r.Length), r)).ToList();
            var problems = FixtureComparison.Compare(fixture, graph, actual);
            if (problems.Count == 0)
            {
                passed++;
            }
            else
            {
                mismatched.Add($"{fixture.Id}: {string.Join("; ", problems)}");
            }
        }

        output.WriteLine($"{command}: {passed} passed, {unsupported.Count} unsupported, {mismatched.Count} mismatched");
        unsupported.ForEach(u => output.WriteLine("unsupported " + u));
        mismatched.ForEach(m => output.WriteLine("mismatched " + m));
        Assert.True(mismatched.Count == 0, string.Join(Environment.NewLine, mismatched));
        Assert.True(passed >= minimumPassing, $"only {passed} fixtures converted to Caffe and matched");
    }

    /// <summary>The fixture input for a graph input: by name where the names agree, else by position.</summary>
    private static float[] Input(FixtureCase fixture, Value input, int position) =>
        (fixture.Inputs.FirstOrDefault(i => i.Name == input.Name).Data ?? fixture.Inputs[position].Data).ToFloats();
}
