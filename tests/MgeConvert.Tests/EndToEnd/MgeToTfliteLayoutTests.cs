using MgeConvert.Formats;
using MgeConvert.Formats.Mge;
using MgeConvert.Formats.TFLite;
using MgeConvert.Passes;
using MgeConvert.Tests.Support;
using Xunit.Abstractions;

namespace MgeConvert.Tests.EndToEnd;

/// <summary>Channels-last acceptance: CNN fixtures convert to TFLite with TRANSPOSE only at graph inputs and outputs.</summary>
public class MgeToTfliteLayoutTests(ITestOutputHelper output)
{
    private static readonly string[] CnnPrefixes =
        ["nets/conv_bn_relu_pool_linear_", "nets/resnet_tiny_", "nets/mobile_tiny_", "ops_mge/conv"];

    [Fact]
    public void CnnFixturesHaveNoInternalTransposes()
    {
        var failures = new List<string>();
        var checkedCount = 0;
        foreach (var fixture in FixtureCorpus.Cases(c => c.Kind == "mge" && c.ExpectOk && CnnPrefixes.Any(p => c.Id.StartsWith(p, StringComparison.Ordinal))))
        {
            var options = new ConversionOptions { Output = "model.tflite" };
            var graph = new MgeReader().Read(fixture.ModelPath, options).Graph;
            PassPipeline.Standard(ModelFormat.TFLite, options).Run(graph);
            var writer = new TFLiteWriter();
            writer.Convert(graph, options);
            var report = writer.LastReport!;
            var transposes = report.OperatorCounts.GetValueOrDefault("TRANSPOSE");
            output.WriteLine($"{fixture.Id}: {transposes} TRANSPOSE (interface {report.InterfaceTransposes}, internal {report.InternalTransposes})");
            checkedCount++;
            if (report.InternalTransposes != 0 || transposes != report.InterfaceTransposes
                || report.InterfaceTransposes > graph.Inputs.Count + graph.Outputs.Count)
            {
                failures.Add($"{fixture.Id}: {transposes} TRANSPOSE, {report.InterfaceTransposes} at inputs/outputs, {report.InternalTransposes} internal");
            }
        }

        output.WriteLine($"layout: {checkedCount} CNN fixtures checked, {failures.Count} with internal transposes");
        Assert.True(checkedCount >= 20, $"only {checkedCount} CNN fixtures found");
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }
}
