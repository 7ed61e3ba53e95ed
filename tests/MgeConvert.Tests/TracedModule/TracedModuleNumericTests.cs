using MgeConvert.Formats.TracedModule;
using MgeConvert.Tests.Support;
using Xunit.Abstractions;

namespace MgeConvert.Tests.TracedModule;

/// <summary>
/// Checks weight layouts, padding, grouping and BatchNorm folding numerically: every float TracedModule fixture
/// whose IR uses only the ops of <see cref="TinyReferenceEvaluator"/> is evaluated naively and compared
/// with MegEngine's outputs (the full ONNX Runtime comparison is added with the ONNX writer).
/// </summary>
public sealed class TracedModuleNumericTests(ITestOutputHelper output)
{
    public static TheoryData<string> Cases => FixtureCorpus.Ids(c => c.Kind == "tm" && c.ExpectOk
        && TinyReferenceEvaluator.Supports(new TracedModuleReader().Read(c.ModelPath, new ConversionOptions()).Graph));

    [Fact]
    public void EnoughCasesAreCovered() => Assert.True(Cases.Count >= 8, $"only {Cases.Count} cases");

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesMegEngineOutputs(string id)
    {
        var fixture = FixtureCorpus.Load(id);
        var graph = new TracedModuleReader().Read(fixture.ModelPath, new ConversionOptions()).Graph;
        var inputs = fixture.Inputs;
        var values = TinyReferenceEvaluator.Run(graph, [.. graph.Inputs.Select(i => inputs.Single(x => x.Name == i.Name).Data)], fakeQuant: fixture.Precision == "qat");
        var expected = fixture.Outputs;
        for (var i = 0; i < expected.Count; i++)
        {
            var actual = values[graph.Outputs[i]];
            Assert.Equal(expected[i].Data.Shape.ToArray(), actual.Shape);
            NumericAssert.Close(expected[i].Data, actual.Data, fixture.Atol, fixture.Rtol, $"{id} output {expected[i].Name}");
            output.WriteLine($"{id} {expected[i].Name}: max |Δ| = {NumericAssert.MaxAbsDiff(expected[i].Data, actual.Data):E2}");
        }
    }
}
