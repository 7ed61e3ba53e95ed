using MgeConvert.Formats.TracedModule;
using MgeConvert.Ir;
using MgeConvert.Tests.Support;
using Xunit.Abstractions;

namespace MgeConvert.Tests.TracedModule;

public sealed class TracedModuleFixtureTests(ITestOutputHelper output)
{
    public static TheoryData<string> TmCases => FixtureCorpus.Ids(c => c.Kind == "tm" && c.ExpectOk);

    [Theory]
    [MemberData(nameof(TmCases))]
    public void ReadsFixtureIntoValidIrWithCaseInputsAndOutputs(string id)
    {
        var fixture = FixtureCorpus.Load(id);
        var reader = new TracedModuleReader();
        Assert.True(reader.CanRead(File.ReadAllBytes(fixture.ModelPath).AsSpan(0, 64)));
        var model = reader.Read(fixture.ModelPath, new ConversionOptions());
        var graph = model.Graph;
        GraphValidator.Validate(graph);

        var inputs = fixture.Json.GetProperty("inputs").EnumerateArray().ToList();
        Assert.Equal(inputs.Count, graph.Inputs.Count);
        for (var i = 0; i < inputs.Count; i++)
        {
            AssertValueMatches(inputs[i], graph.Inputs[i]);
        }

        var outputs = fixture.Json.GetProperty("outputs").EnumerateArray().ToList();
        Assert.Equal(outputs.Count, graph.Outputs.Count);
        for (var i = 0; i < outputs.Count; i++)
        {
            AssertValueMatches(outputs[i], graph.Outputs[i]);
        }

        output.WriteLine($"{id}: {graph.Nodes.Count} nodes, {graph.Constants().Count} constants");
    }

    [Fact]
    public void EveryTmFixtureIsCovered()
    {
        var ids = FixtureCorpus.Cases(c => c.Kind == "tm" && c.ExpectOk).Select(c => c.Id).ToList();
        Assert.Equal(117, ids.Count);
        Assert.Contains(ids, i => i.StartsWith("quant/", StringComparison.Ordinal));
        Assert.Contains(ids, i => i.StartsWith("nets/", StringComparison.Ordinal));
    }

    private static void AssertValueMatches(System.Text.Json.JsonElement expected, Value actual)
    {
        Assert.Equal(expected.GetProperty("name").GetString(), actual.Name);
        var shape = expected.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
        Assert.Equal(shape, actual.Shape.ToArray());
        var dtype = expected.GetProperty("dtype").GetString();
        var element = dtype switch
        {
            "float32" => ElementType.Float32,
            "float16" => ElementType.Float16,
            "int32" => ElementType.Int32,
            "int8" or "qint8" => ElementType.Int8,
            "uint8" => ElementType.UInt8,
            "bool" => ElementType.Bool,
            _ => throw new InvalidOperationException($"unexpected dtype {dtype}"),
        };
        Assert.Equal(element, actual.DType.Element);
    }
}
