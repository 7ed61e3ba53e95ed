using MgeConvert.Formats;
using MgeConvert.Formats.Onnx.Proto;
using MgeConvert.Ir;
using MgeConvert.Tests.Onnx;
using MgeConvert.Tests.Support;
using Xunit.Abstractions;

namespace MgeConvert.Tests.EndToEnd;

/// <summary>
/// mge_to_onnx and tracedmodule_to_onnx on every loadable fixture, through the public Converter, run in
/// ONNX Runtime against MegEngine's own outputs.
/// </summary>
public class ToOnnxTests(ITestOutputHelper output)
{
    [Fact]
    public void EveryMgeFixtureMatchesMegEngineInOnnxRuntime() => RunAll("mge", ModelFormat.Mge, "mge_to_onnx", 150);

    [Fact]
    public void EveryTracedModuleFixtureMatchesMegEngineInOnnxRuntime() =>
        RunAll("tm", ModelFormat.TracedModule, "tracedmodule_to_onnx", 110);

    [Theory]
    [InlineData("nets/mobile_tiny_tm")]
    [InlineData("nets/resnet_tiny_mgv2_noopt")]
    [InlineData("ops_mge/convbn_nobias")]
    public void BatchNormsFoldByDefaultAndStayWithKeepBatchNorm(string id)
    {
        var fixture = FixtureCorpus.Load(id);
        var from = fixture.Kind == "tm" ? ModelFormat.TracedModule : ModelFormat.Mge;
        using var temp = new Cli.TempDirectory();
        foreach (var keep in new[] { false, true })
        {
            var path = temp.File($"keep_{keep}.onnx");
            Assert.Empty(Check(fixture, from, path, keep));
            var batchNorms = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path)).Graph.Node.Count(n => n.OpType == "BatchNormalization");
            Assert.True(keep ? batchNorms > 0 : batchNorms == 0, $"{batchNorms} BatchNormalization nodes with keep = {keep}");
        }
    }

    private void RunAll(string kind, ModelFormat from, string command, int minimumCases)
    {
        var cases = FixtureCorpus.Cases(c => c.Kind == kind && c.ExpectOk).ToList();
        var failures = new List<string>();
        var passed = new Dictionary<string, int>();
        var total = new Dictionary<string, int>();
        using var temp = new Cli.TempDirectory();
        foreach (var fixture in cases)
        {
            var group = $"{fixture.Container} {fixture.Precision}";
            total[group] = total.GetValueOrDefault(group) + 1;
            try
            {
                var problems = Check(fixture, from, temp.File(fixture.Id.Replace('/', '_') + ".onnx"));
                if (problems.Count == 0)
                {
                    passed[group] = passed.GetValueOrDefault(group) + 1;
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

        foreach (var group in total.Keys.Order(StringComparer.Ordinal))
        {
            output.WriteLine($"{command} {group}: {passed.GetValueOrDefault(group)}/{total[group]} passed");
        }

        output.WriteLine($"{command}: {cases.Count - failures.Count} passed, {failures.Count} failed");
        failures.ForEach(output.WriteLine);
        Assert.True(cases.Count >= minimumCases, $"only {cases.Count} {kind} fixtures found");
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    private static List<string> Check(FixtureCase fixture, ModelFormat from, string onnxPath, bool keepBatchNorm = false)
    {
        // QAT models are compared with their fake quantization made explicit (QuantizeLinear/DequantizeLinear).
        var options = new ConversionOptions { Output = onnxPath, RequireQuantize = fixture.Precision == "qat", KeepBatchNorm = keepBatchNorm };
        var converter = new Converter();
        converter.Convert(from, ModelFormat.Onnx, fixture.ModelPath, options);
        var source = converter.Read(fixture.ModelPath, from, options).Graph;
        var inputs = source.Inputs.Zip(fixture.Inputs).ToDictionary(p => p.First.Name, p => Named(fixture, p.First, p.Second), StringComparer.Ordinal);
        var outputNames = source.Outputs.Select(o => o.Name).ToList();
        var results = OrtRunner.Run(File.ReadAllBytes(onnxPath), inputs, outputNames);
        return FixtureComparison.Compare(fixture, source, [.. outputNames.Select(n => results[n])]);
    }

    /// <summary>The fixture input for a graph input: by name where the names agree, else by position.</summary>
    private static Tensor Named(FixtureCase fixture, Value input, (string Name, Tensor Data) positional) =>
        fixture.Inputs.FirstOrDefault(i => i.Name == input.Name) is { Data: not null } named ? named.Data : positional.Data;
}
