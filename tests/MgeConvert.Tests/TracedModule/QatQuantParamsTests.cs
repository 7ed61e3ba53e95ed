using System.Text.Json;
using MgeConvert.Formats.TracedModule;
using MgeConvert.Ir;
using MgeConvert.Quantization;
using MgeConvert.Tests.Support;
using Xunit.Abstractions;

namespace MgeConvert.Tests.TracedModule;

public sealed class QatQuantParamsTests(ITestOutputHelper output)
{
    public static TheoryData<string> QatCases => FixtureCorpus.Ids(c => c.Kind == "tm" && c.Precision == "qat");

    [Theory]
    [MemberData(nameof(QatCases))]
    public void QuantJsonMatchesMegEngineQParams(string id)
    {
        var fixture = FixtureCorpus.Load(id);
        var graph = new TracedModuleReader().Read(fixture.ModelPath, new ConversionOptions()).Graph;
        var path = Path.Combine(Path.GetTempPath(), $"qp_{Guid.NewGuid():N}.json");
        try
        {
            Assert.True(QuantParamsJsonWriter.Write(graph, new ConversionOptions(), path));
            using var ours = JsonDocument.Parse(File.ReadAllText(path));
            using var expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(fixture.Directory, "qparams.json")));
            var checkedCount = 0;
            foreach (var tensor in expected.RootElement.GetProperty("tensors").EnumerateObject())
            {
                AssertEntry(ours.RootElement, tensor.Name, tensor.Value, isWeight: false);
                checkedCount++;
            }

            foreach (var module in expected.RootElement.GetProperty("modules").EnumerateObject())
            {
                if (module.Value.GetProperty("weight") is { ValueKind: JsonValueKind.Object } weight)
                {
                    AssertEntry(ours.RootElement, module.Name.Replace('.', '_') + "_weight", weight, isWeight: true);
                    checkedCount++;
                }
            }

            foreach (var input in expected.RootElement.GetProperty("graph_inputs").EnumerateObject())
            {
                if (input.Value.ValueKind == JsonValueKind.Object)
                {
                    AssertEntry(ours.RootElement, input.Name, input.Value, isWeight: false);
                    checkedCount++;
                }
            }

            Assert.True(checkedCount >= 2, "too few qparams compared");
            output.WriteLine($"{id}: {checkedCount} qparams matched, {ours.RootElement.EnumerateObject().Count()} entries written");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ParamFakeQuantReplacesWeightsAndOmitsThem()
    {
        var fixture = FixtureCorpus.Load("quant/qconv_qat_tm");
        var graph = new TracedModuleReader().Read(fixture.ModelPath, new ConversionOptions()).Graph;
        var weight = graph.Constants().Single(v => v.Name == "conv_weight");
        var info = QuantAnnotations.Get(weight)!;
        var before = weight.Constant!.ToFloats();
        var entries = QuantParamsJsonWriter.Collect(graph, paramFakeQuant: true);
        Assert.DoesNotContain(entries, e => e.IsWeight);
        Assert.Contains(entries, e => e.Name == "conv_out");
        var after = weight.Constant!.ToFloats();
        for (var i = 0; i < after.Length; i++)
        {
            var steps = after[i] / info.Scale;
            Assert.True(Math.Abs(steps - Math.Round(steps)) < 1e-3, $"weight {i} is not on the quantization grid");
            Assert.True(Math.Abs(after[i] - before[i]) <= (info.Scale / 2) + 1e-7, $"weight {i} moved by more than half a step");
        }
    }

    [Fact]
    public void InputOptionsAnnotateEveryGraphInput()
    {
        var fixture = FixtureCorpus.Load("quant/qconv_qat_tm");
        var options = new ConversionOptions { InputDataType = "quint8", InputScales = [0.125f], InputZeroPoints = [128] };
        var graph = new TracedModuleReader().Read(fixture.ModelPath, options).Graph;
        var entries = QuantParamsJsonWriter.Collect(graph, paramFakeQuant: false);
        var input = entries.Single(e => e.Name == "x");
        Assert.Equal("quint8", input.Info.DTypeName);
        Assert.Equal((0L, 255L), (input.Info.QMin, input.Info.QMax));
        Assert.Equal(0.125f, input.Info.Scale);
        Assert.Equal([128L], input.Info.ZeroPoints!);
    }

    [Fact]
    public void JsonLayoutIsPythonJsonDumpsIndent4()
    {
        var graph = new Graph();
        var x = new Value("x", new TensorType(DataType.Float32, new Shape(1)));
        graph.Inputs.Add(x);
        QuantAnnotations.Set(x, new QuantInfo("qint8", -128, 127, [0.0625f], null));
        var w = new Value("w", Tensor.FromFloats(new Shape(2), 1f, 2f));
        var y = new Value("y", new TensorType(DataType.Float32, new Shape(2)));
        graph.Nodes.Add(new Node("mul", new MgeConvert.Ir.Ops.Binary(MgeConvert.Ir.Ops.BinaryFunction.Mul), [x, w], [y]));
        graph.Outputs.Add(y);
        QuantAnnotations.Set(w, new QuantInfo("qint8_narrow", -127, 127, [1e-05f, 0.5f], null, 0));
        var text = QuantParamsJsonWriter.Format(QuantParamsJsonWriter.Collect(graph, false));
        var expected = """
            {
                "x": {
                    "dtype": "int8",
                    "qmin": -128,
                    "qmax": 127,
                    "scale": 0.0625,
                    "zero_point": null,
                    "is_weight": false
                },
                "w": {
                    "dtype": "int8_narrow",
                    "qmin": -127,
                    "qmax": 127,
                    "scale": [
                        9.999999747378752e-06,
                        0.5
                    ],
                    "zero_point": null,
                    "is_weight": true
                }
            }
            """;
        Assert.Equal(expected.ReplaceLineEndings("\n"), text);
    }

    [Theory]
    [InlineData(0.0502898134291172, "0.0502898134291172")]
    [InlineData(1.0, "1.0")]
    [InlineData(1e-05, "1e-05")]
    [InlineData(0.0001, "0.0001")]
    [InlineData(123456.5, "123456.5")]
    [InlineData(1e16, "1e+16")]
    [InlineData(-2.5e-07, "-2.5e-07")]
    public void FloatsArePrintedLikePythonRepr(double value, string expected) =>
        Assert.Equal(expected, QuantParamsJsonWriter.PythonFloat(value));

    private static void AssertEntry(JsonElement ours, string name, JsonElement expected, bool isWeight)
    {
        Assert.True(ours.TryGetProperty(name, out var entry), $"no quant entry for {name}; have {string.Join(", ", ours.EnumerateObject().Select(p => p.Name))}");
        var want = expected.GetProperty("scale").GetDouble();
        var got = entry.GetProperty("scale").GetDouble();
        Assert.True(Math.Abs(got - want) <= 1e-6 * Math.Abs(want), $"{name}: scale {got:R}, MegEngine {want:R}");
        var wantZero = expected.GetProperty("zero_point");
        var gotZero = entry.GetProperty("zero_point");
        Assert.Equal(wantZero.ValueKind == JsonValueKind.Null ? (long?)null : wantZero.GetInt64(), gotZero.ValueKind == JsonValueKind.Null ? (long?)null : gotZero.GetInt64());
        Assert.Equal(expected.GetProperty("qmin").GetInt64(), entry.GetProperty("qmin").GetInt64());
        Assert.Equal(expected.GetProperty("qmax").GetInt64(), entry.GetProperty("qmax").GetInt64());
        Assert.Equal(expected.GetProperty("dtype").GetString()![1..], entry.GetProperty("dtype").GetString());
        Assert.Equal(isWeight, entry.GetProperty("is_weight").GetBoolean());
    }
}
