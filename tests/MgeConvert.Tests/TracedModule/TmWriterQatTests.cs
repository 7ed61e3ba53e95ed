using MgeConvert.Formats;
using MgeConvert.Formats.TracedModule;
using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using MgeConvert.Quantization;
using MgeConvert.Reference;
using MgeConvert.Tests.Support;
using Xunit.Abstractions;

namespace MgeConvert.Tests.TracedModule;

/// <summary>Quantized and QAT graphs written as QAT TracedModules, and float64 graphs written as float32.</summary>
public sealed class TmWriterQatTests(ITestOutputHelper output)
{
    public static TheoryData<string> QatCases => FixtureCorpus.Ids(c => c.Kind == "tm" && c.Precision == "qat");

    public static TheoryData<string> Int8Cases => FixtureCorpus.Ids(c => c.Kind == "mge" && c.Precision == "quantized" && c.ExpectOk);

    [Theory]
    [MemberData(nameof(QatCases))]
    public void QatFixtureReadBackHasTheSourceQuantParams(string id)
    {
        var fixture = FixtureCorpus.Load(id);
        using var temp = new Cli.TempDirectory();
        var source = new Converter().Read(fixture.ModelPath, ModelFormat.TracedModule, new ConversionOptions()).Graph;
        var bytes = TmWriterRoundTrip.Convert(ModelFormat.TracedModule, fixture.ModelPath, temp.File("qat.tm"));
        var back = TmWriterRoundTrip.ReadBack(bytes, "qat.tm");

        Assert.Equal("true", back.Metadata["qat"]);
        var activations = Rounded(source, constants: false);
        var weights = Rounded(source, constants: true);
        Assert.NotEmpty(activations);
        Assert.NotEmpty(weights);
        Assert.Equal(activations, Rounded(back, constants: false));
        Assert.Equal(weights, Rounded(back, constants: true));
        AssertSameByPosition(source.Inputs, back.Inputs);
        AssertSameByPosition(source.Outputs, back.Outputs);
        output.WriteLine($"{id}: {activations.Count} activation and {weights.Count} weight/bias quant params kept");
    }

    [Theory]
    [MemberData(nameof(Int8Cases))]
    public void Int8FixtureIsWrittenWithQatModulesCarryingItsScales(string id)
    {
        var fixture = FixtureCorpus.Load(id);
        using var temp = new Cli.TempDirectory();
        var source = new Converter().Read(fixture.ModelPath, ModelFormat.Mge, new ConversionOptions()).Graph;
        var bytes = TmWriterRoundTrip.Convert(ModelFormat.Mge, fixture.ModelPath, temp.File("int8.tm"));
        var back = TmWriterRoundTrip.ReadBack(bytes, "int8.tm");

        var scales = source.Nodes.Where(n => n.Op is Cast { To.IsQuantized: true }).Select(n => ((Cast)n.Op).To.Quant!.Scale)
            .Concat(source.Inputs.Where(i => i.DType.IsQuantized).Select(i => i.DType.Quant!.Scale)).ToHashSet();
        var rounded = Values(back).Select(QuantAnnotations.Get).OfType<QuantInfo>().Where(q => q.FakeQuantized).Select(q => q.Scale).ToHashSet();
        Assert.NotEmpty(scales);
        Assert.Subset(rounded, scales);
        Assert.Contains(Values(back), v => v.IsConstant && QuantAnnotations.Get(v) is { DTypeName: "qint8" });
        Assert.All(back.Inputs.Concat(back.Outputs), v => Assert.Equal(ElementType.Float32, v.DType.Element));
        output.WriteLine($"{id}: {scales.Count} quantization scales, all rounded to in the read-back");
    }

    [Fact]
    public void Float64GraphsAreWrittenAsFloat32()
    {
        var b = new GraphBuilder("g");
        var x = b.Input("x", DataType.Float64, new Shape(2, 3));
        var k = b.Constant("k", Tensor.Create(DataType.Float64, new Shape(3), new[] { 0.5, -1.25, 3.0 }));
        b.Output(b.Apply(new Unary(UnaryFunction.Relu), b.Apply(new Binary(BinaryFunction.Mul), x, k)));

        var bytes = TracedModuleWriter.Serialize(b.Graph, new ConversionOptions(), "f64.tm");
        var back = TmWriterRoundTrip.ReadBack(bytes, "f64.tm");

        Assert.Equal(DataType.Float32, back.Inputs[0].DType);
        Assert.Equal(DataType.Float32, back.Outputs[0].DType);
        var input = Tensor.Create(DataType.Float64, new Shape(2, 3), new[] { 1.0, 2.0, -3.0, -4.0, 5.5, 6.25 });
        var expected = ReferenceInterpreter.Run(b.Graph, new Dictionary<string, Tensor> { ["x"] = input })[b.Graph.Outputs[0].Name];
        Assert.Null(TmWriterRoundTrip.Compare([expected], TmWriterRoundTrip.Run(back, [input])));
    }

    [Fact]
    public void AsymmetricUint8QuantizationKeepsItsZeroPoint()
    {
        var b = new GraphBuilder("g");
        var x = b.Input("x", DataType.Float32, new Shape(1, 6));
        var quint8 = new DataType(ElementType.UInt8, new QuantParams(0.1f, 128));
        var q = b.ApplyNamed("q", null, new Cast(quint8), x)[0];
        b.Output(b.Apply(new Unary(UnaryFunction.Relu), b.Apply(new Cast(DataType.Float32), q)));

        var bytes = TracedModuleWriter.Serialize(b.Graph, new ConversionOptions(), "u8.tm");
        var back = TmWriterRoundTrip.ReadBack(bytes, "u8.tm");

        var rounded = Assert.Single(Values(back).Select(QuantAnnotations.Get).OfType<QuantInfo>(), i => i.FakeQuantized);
        Assert.Equal(("quint8", 0L, 255L, 0.1f, 128L), (rounded.DTypeName, rounded.QMin, rounded.QMax, rounded.Scale, rounded.ZeroPoints![0]));
        var input = Tensor.FromFloats(new Shape(1, 6), [-20f, -1.04f, 0.26f, 3.14f, 12.7f, 30f]);
        var expected = ReferenceInterpreter.Run(b.Graph, new Dictionary<string, Tensor> { ["x"] = input })[b.Graph.Outputs[0].Name];
        Assert.Null(TmWriterRoundTrip.Compare([expected], TmWriterRoundTrip.Run(back, [input]), 0.1 * 1.0001, 0));
    }

    [Fact]
    public void FakeQuantizedOutputsOfAMultiOutputOpAreEachRounded()
    {
        var b = new GraphBuilder("g");
        var x = b.Input("x", DataType.Float32, new Shape(1, 4));
        var parts = b.ApplyMulti(new Split(1, [2, 2]), x);
        var first = new QuantInfo("qint8", -128, 127, [0.5f], null);
        var second = new QuantInfo("quint8", 0, 255, [0.25f], [10]);
        QuantAnnotations.Set(parts[0], first);
        QuantAnnotations.Set(parts[1], second);
        b.Output(parts[0]);
        b.Output(parts[1]);

        var back = TmWriterRoundTrip.ReadBack(TracedModuleWriter.Serialize(b.Graph, new ConversionOptions(), "split.tm"), "split.tm");

        Assert.True(QuantAnnotations.Get(back.Outputs[0]) is { FakeQuantized: true } a && a.SameQuantization(first));
        Assert.True(QuantAnnotations.Get(back.Outputs[1]) is { FakeQuantized: true } c && c.SameQuantization(second));
        var input = Tensor.FromFloats(new Shape(1, 4), [0.3f, -0.8f, 1.1f, -3f]);
        var actual = TmWriterRoundTrip.Run(back, [input]);
        Assert.Equal([0.5f, -1f], actual[0].ToFloats());
        Assert.Equal([1f, -2.5f], actual[1].ToFloats());
    }

    [Fact]
    public void QuantizationsNoFakeQuantizerRoundsToAreRefusedWithTheReason()
    {
        var b = new GraphBuilder("g");
        var x = b.Input("x", DataType.Float32, new Shape(1, 2, 2, 2));
        var perChannel = new DataType(ElementType.Int8, new QuantParams([0.5f, 0.25f], [0, 0], 1));
        var int16 = new DataType(ElementType.Int16, new QuantParams(0.125f));
        var a = b.ApplyNamed("per_channel", null, new Cast(perChannel), x)[0];
        var c = b.ApplyNamed("int16", null, new Cast(int16), x)[0];
        b.Output(b.Apply(new Binary(BinaryFunction.Add), b.Apply(new Cast(DataType.Float32), a), b.Apply(new Cast(DataType.Float32), c)));

        var e = Assert.Throws<UnsupportedOpsException>(() => TracedModuleWriter.Serialize(b.Graph, new ConversionOptions(), "q.tm"));

        Assert.Equal(2, e.Ops.Count);
        Assert.Contains("per-channel", e.Message, StringComparison.Ordinal);
        Assert.Contains("int16", e.Message, StringComparison.Ordinal);
        Assert.Contains("q.tm", e.Message, StringComparison.Ordinal);
    }

    /// <summary>The quantizations a graph rounds values to (activations or constants), as comparable text.</summary>
    private static HashSet<string> Rounded(Graph graph, bool constants) =>
        [.. Values(graph).Where(v => v.IsConstant == constants).Select(QuantAnnotations.Get).OfType<QuantInfo>().Where(q => q.FakeQuantized).Select(Text)];

    private static IEnumerable<Value> Values(Graph graph) =>
        graph.Inputs.Concat(graph.Nodes.SelectMany(n => n.Inputs.OfType<Value>().Concat(n.Outputs))).Distinct();

    private static string Text(QuantInfo q) =>
        $"{q.DTypeName}[{q.QMin},{q.QMax}] scale {string.Join(",", q.Scales.Select(s => s.ToString("R", System.Globalization.CultureInfo.InvariantCulture)))} zero {string.Join(",", q.ZeroPoints ?? [0])}";

    private static void AssertSameByPosition(IReadOnlyList<Value> expected, IReadOnlyList<Value> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            var e = QuantAnnotations.Get(expected[i]);
            var a = QuantAnnotations.Get(actual[i]);
            Assert.True(e is null ? a is null : a is not null && a.SameQuantization(e), $"{expected[i].Name}: {e?.ToString() ?? "none"}, read back {a?.ToString() ?? "none"}");
        }
    }
}
