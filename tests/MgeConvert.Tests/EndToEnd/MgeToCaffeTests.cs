using MgeConvert.Formats;
using MgeConvert.Formats.Mge;
using MgeConvert.Ir;
using MgeConvert.Passes;
using MgeConvert.Tests.Caffe;
using MgeConvert.Tests.Support;
using Xunit.Abstractions;

namespace MgeConvert.Tests.EndToEnd;

/// <summary>mge_to_caffe on every .mge fixture: converted models run in OpenCV-DNN against MegEngine's outputs.</summary>
public class MgeToCaffeTests(ITestOutputHelper output)
{
    /// <summary>Fixtures whose ops Caffe can express; a drop means a regression.</summary>
    private const int MinimumPassing = 127;

    [Fact]
    public void EveryExpressibleMgeFixtureMatchesMegEngineInOpenCv()
    {
        var cases = FixtureCorpus.Cases(c => c.Kind == "mge" && c.ExpectOk).ToList();
        var passed = 0;
        var unsupported = new List<string>();
        var mismatched = new List<string>();
        foreach (var fixture in cases)
        {
            var options = new ConversionOptions();
            var graph = new MgeReader().Read(fixture.ModelPath, options).Graph;
            PassPipeline.Standard(ModelFormat.Caffe, options).Run(graph);
            using var caffe = new OpenCvCaffe();
            float[][] results;
            try
            {
                results = caffe.Run(graph, [.. graph.Inputs.Select(i => Input(fixture, i))]);
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

        output.WriteLine($"mge_to_caffe: {passed} passed, {unsupported.Count} unsupported, {mismatched.Count} mismatched");
        unsupported.ForEach(u => output.WriteLine("unsupported " + u));
        mismatched.ForEach(m => output.WriteLine("mismatched " + m));
        Assert.True(mismatched.Count == 0, string.Join(Environment.NewLine, mismatched));
        Assert.True(passed >= MinimumPassing, $"only {passed} fixtures converted to Caffe and matched");
    }

    private static float[] Input(FixtureCase fixture, Value input) =>
        fixture.Inputs.Single(i => i.Name == input.Name).Data.ToFloats();
}
