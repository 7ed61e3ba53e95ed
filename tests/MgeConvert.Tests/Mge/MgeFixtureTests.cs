using System.Text.Json;
using MgeConvert.Formats.Mge;
using MgeConvert.Ir;
using MgeConvert.Tests.Support;
using Xunit.Abstractions;

namespace MgeConvert.Tests.Mge;

/// <summary>Every loadable .mge fixture reads into a valid IR graph whose inputs and outputs match case.json.</summary>
public class MgeFixtureTests(ITestOutputHelper output)
{
    public static TheoryData<string> OkCases => FixtureCorpus.Ids(c => c.Kind == "mge" && c.ExpectOk);

    [Theory]
    [MemberData(nameof(OkCases))]
    public void ReadsFixture(string id) => CheckCase(FixtureCorpus.Load(id));

    [Fact]
    public void ReadsEveryFixturePerContainer()
    {
        var passed = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var total = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var failures = new List<string>();
        foreach (var c in FixtureCorpus.Cases(c => c.Kind == "mge" && c.ExpectOk))
        {
            total[c.Container] = total.GetValueOrDefault(c.Container) + 1;
            try
            {
                CheckCase(c);
                passed[c.Container] = passed.GetValueOrDefault(c.Container) + 1;
            }
            catch (Exception e)
            {
                failures.Add($"{c.Id}: {e.Message.Split('\n')[0]}");
            }
        }

        foreach (var (container, n) in total)
        {
            output.WriteLine($"mge reader {container}: {passed.GetValueOrDefault(container)}/{n} passed");
        }

        foreach (var f in failures)
        {
            output.WriteLine("FAILED " + f);
        }

        Assert.True(total.Values.Sum() >= 150, $"only {total.Values.Sum()} mge fixtures found");
        Assert.Empty(failures);
    }

    private static void CheckCase(FixtureCase c)
    {
        var model = new MgeReader().Read(c.ModelPath, new ConversionOptions());
        Assert.Equal(c.Container, model.Container);
        var graph = model.Graph;
        Assert.Empty(GraphValidator.Check(graph));

        var inputs = c.Json.GetProperty("inputs").EnumerateArray().ToList();
        Assert.Equal(inputs.Count, graph.Inputs.Count);
        foreach (var expected in inputs)
        {
            var name = expected.GetProperty("name").GetString()!;
            var value = graph.Inputs.SingleOrDefault(v => v.Name == name);
            Assert.True(value is not null, $"{c.Id}: no graph input {name} (have {string.Join(", ", graph.Inputs.Select(v => v.Name))})");
            CheckType(c.Id, name, expected, value!);
        }

        var outputs = c.Json.GetProperty("outputs").EnumerateArray().ToList();
        Assert.Equal(outputs.Count, graph.Outputs.Count);
        for (var i = 0; i < outputs.Count; i++)
        {
            CheckType(c.Id, $"output {i}", outputs[i], graph.Outputs[i]);
        }
    }

    private static void CheckType(string id, string what, JsonElement expected, Value value)
    {
        var shape = expected.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
        Assert.True(new Shape(shape).Equals(value.Shape), $"{id} {what}: shape {value.Shape}, expected [{string.Join(",", shape)}]");
        var dtype = expected.GetProperty("dtype").GetString()!;
        var element = dtype switch
        {
            "float32" => ElementType.Float32,
            "float16" => ElementType.Float16,
            "int32" => ElementType.Int32,
            "int8" or "qint8" => ElementType.Int8,
            "uint8" => ElementType.UInt8,
            "bool" => ElementType.Bool,
            _ => throw new InvalidOperationException($"{id} {what}: unexpected dtype {dtype}"),
        };
        Assert.True(value.DType.Element == element, $"{id} {what}: dtype {value.DType}, expected {dtype}");
        if (expected.TryGetProperty("scale", out var scale))
        {
            Assert.True(value.DType.Quant is { } q && Math.Abs(q.Scale - scale.GetDouble()) <= 1e-6 * scale.GetDouble(),
                $"{id} {what}: quantization {value.DType}, expected scale {scale.GetDouble()}");
        }
    }
}
