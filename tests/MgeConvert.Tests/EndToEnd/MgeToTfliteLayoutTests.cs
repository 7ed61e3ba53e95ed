using MgeConvert.Formats;
using MgeConvert.Formats.TFLite;
using MgeConvert.Passes;
using MgeConvert.Tests.Support;
using Xunit.Abstractions;

namespace MgeConvert.Tests.EndToEnd;

/// <summary>Channels-last acceptance: CNN fixtures convert to TFLite with TRANSPOSE only at graph inputs and outputs.</summary>
public class MgeToTfliteLayoutTests(ITestOutputHelper output)
{
    private static readonly string[] CnnPrefixes =
        ["nets/conv_bn_relu_pool_linear_", "nets/resnet_tiny_", "nets/mobile_tiny_", "ops_mge/conv", "ops_tm/conv", "quant/"];

    [Fact]
    public void CnnFixturesHaveNoInternalTransposes() => CheckCnnFixtures("mge", 20);

    [Fact]
    public void TracedModuleCnnFixturesHaveNoInternalTransposes() => CheckCnnFixtures("tm", 15);

    private void CheckCnnFixtures(string kind, int minimum)
    {
        var failures = new List<string>();
        var checkedCount = 0;
        foreach (var fixture in FixtureCorpus.Cases(c => c.Kind == kind && c.ExpectOk && CnnPrefixes.Any(p => c.Id.StartsWith(p, StringComparison.Ordinal))))
        {
            var options = new ConversionOptions { Output = "model.tflite", RequireQuantize = fixture.Precision == "qat" };
            var graph = new Converter().Read(fixture.ModelPath, kind == "mge" ? ModelFormat.Mge : ModelFormat.TracedModule, options).Graph;
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
        Assert.True(checkedCount >= minimum, $"only {checkedCount} CNN fixtures found");
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }
}
