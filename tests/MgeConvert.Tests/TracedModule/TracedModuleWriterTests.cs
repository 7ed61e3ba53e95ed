using System.Runtime.InteropServices;
using MgeConvert.Formats;
using MgeConvert.Formats.Onnx;
using MgeConvert.Formats.TracedModule;
using MgeConvert.IO;
using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using MgeConvert.Reference;
using MgeConvert.Tests.Onnx;
using MgeConvert.Tests.Support;

namespace MgeConvert.Tests.TracedModule;

/// <summary>The .tm writer's refusals, determinism and --frozen_input_shape.</summary>
public class TracedModuleWriterTests
{
    [Fact]
    public void EveryUnsupportedOpIsListedAtOnceAndNothingIsWritten()
    {
        var b = new GraphBuilder("g");
        var x = b.Input("x", DataType.Float32, new Shape(1, 4));
        var sin = b.ApplyNamed("sin_node", null, new Unary(UnaryFunction.Sin), x)[0];
        var cos = b.ApplyNamed("cos_node", null, new Unary(UnaryFunction.Cos), x)[0];
        b.Output(b.Apply(new Binary(BinaryFunction.Add), sin, cos));
        b.Output(b.Apply(new Unary(UnaryFunction.Relu), x));
        using var temp = new Cli.TempDirectory();
        var onnx = temp.File("m.onnx");
        File.WriteAllBytes(onnx, OnnxWriter.Serialize(b.Graph, new ConversionOptions { Opset = 13 }));
        var output = temp.File("m.tm");

        var e = Assert.Throws<UnsupportedOpsException>(() =>
            new Converter().Convert(ModelFormat.Onnx, ModelFormat.TracedModule, onnx, new ConversionOptions { Output = output }));

        Assert.Equal(2, e.Ops.Count);
        Assert.Contains(e.Ops, o => o.OpType == "Sin");
        Assert.Contains(e.Ops, o => o.OpType == "Cos");
        Assert.Contains("TracedModule", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
        Assert.Equal(["m.onnx"], temp.Files());
    }

    [Fact]
    public void QuantizedAndFloat64GraphsAreWrittenUnsignedWideIntegersAreRefusedWithTheReason()
    {
        var b = new GraphBuilder("g");
        var x = b.Input("x", DataType.Float64, new Shape(2));
        var q = b.Apply(new Cast(new DataType(ElementType.Int8, new QuantParams(0.5f))), b.Apply(new Unary(UnaryFunction.Relu), x));
        b.Output(b.Apply(new Cast(DataType.Float32), q));
        Assert.NotEmpty(TracedModuleWriter.Serialize(b.Graph, new ConversionOptions(), "f64.tm"));

        var u = new GraphBuilder("u");
        var y = u.Input("y", new DataType(ElementType.UInt32), new Shape(2));
        u.Output(u.Apply(new Unary(UnaryFunction.Abs), y));
        var e = Assert.Throws<UnsupportedOpsException>(() => TracedModuleWriter.Serialize(u.Graph, new ConversionOptions(), "u32.tm"));
        Assert.Contains("UInt32", e.Message, StringComparison.Ordinal);
        Assert.Contains("u32.tm", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SameInputGivesByteIdenticalFiles()
    {
        using var temp = new Cli.TempDirectory();
        var sources = new (ModelFormat, string)[]
        {
            (ModelFormat.TracedModule, FixtureCorpus.Load("nets/resnet_tiny_tm").ModelPath),
            (ModelFormat.Mge, FixtureCorpus.Load("nets/mobile_tiny_mgv2").ModelPath),
            (ModelFormat.Onnx, Path.Combine(OnnxCorpus.Root, "pytorch-converted", "test_Conv3d_dilated_strided", "model.onnx")),
        };
        foreach (var (from, path) in sources)
        {
            var first = TmWriterRoundTrip.Convert(from, path, temp.File("a.tm"));
            var second = TmWriterRoundTrip.Convert(from, path, temp.File("b.tm"));
            Assert.True(first.AsSpan().SequenceEqual(second), $"{path}: two conversions differ");
            Assert.True(first.Length > 1000);
        }
    }

    [Fact]
    public void DynamicInputsNeedFrozenInputShape()
    {
        var b = new GraphBuilder("g");
        var x = b.Input("x", DataType.Float32, new Shape(-1, 3, 4, 4));
        var w = b.Constant("w", Tensor.FromFloats(new Shape(2, 3, 1, 1), [.. Enumerable.Range(0, 6).Select(i => i * 0.25f)]));
        var y = b.Apply(new Conv([1, 1], [0, 0, 0, 0], [1, 1]), x, w);
        b.Output(b.Apply(new Reshape([-1, 32]), y));

        var refused = Assert.Throws<ModelFormatException>(() => TracedModuleWriter.Serialize(b.Graph, new ConversionOptions(), "dyn.tm"));
        Assert.Contains("--frozen_input_shape", refused.Message, StringComparison.Ordinal);
        Assert.Contains("x", refused.Message, StringComparison.Ordinal);

        var bytes = TracedModuleWriter.Serialize(b.Graph, new ConversionOptions { FrozenInputShape = true }, "frozen.tm");
        var back = TmWriterRoundTrip.ReadBack(bytes, "frozen.tm");
        Assert.Equal(new Shape(1, 3, 4, 4), back.Inputs[0].Shape);
        Assert.Equal(new Shape(1, 32), back.Outputs[0].Shape);
        Assert.Equal(new Shape(-1, 3, 4, 4), x.Shape);

        var input = Tensor.FromFloats(new Shape(1, 3, 4, 4), [.. Enumerable.Range(0, 48).Select(i => (i % 7) - 3f)]);
        var actual = TmWriterRoundTrip.Run(back, [input]);
        var expected = ReferenceInterpreter.Run(b.Graph, new Dictionary<string, Tensor> { ["x"] = input });
        Assert.Null(TmWriterRoundTrip.Compare([expected[b.Graph.Outputs[0].Name]], actual));
    }

    [Fact]
    public void StreamedFileEqualsTheInMemoryBytesAndItsWeightsReadBackAsViews()
    {
        var b = new GraphBuilder("g");
        var x = b.Input("x", DataType.Float32, new Shape(1, 64));
        var w = b.Constant("w", Tensor.FromFloats(new Shape(32, 64), [.. Enumerable.Range(0, 32 * 64).Select(i => (i % 13) * 0.125f)]));
        b.Output(b.Apply(new Gemm(TransB: true), x, w));
        using var temp = new Cli.TempDirectory();
        var options = new ConversionOptions { Output = temp.File("m.tm") };
        var expected = TracedModuleWriter.Serialize(b.Graph, options, options.Output);

        var file = Assert.Single(new TracedModuleWriter().Prepare(b.Graph, options));
        AtomicFile.Write(file.Path, file.WriteTo);
        using var unreadable = new MemoryStream();
        file.WriteTo(unreadable);

        var written = File.ReadAllBytes(options.Output);
        Assert.Equal(expected, written);
        Assert.Equal(expected, unreadable.ToArray());
        Assert.Equal(["m.tm"], temp.Files());
        var graph = new TracedModuleReader().Read(written, options.Output, new ConversionOptions()).Graph;
        var weight = graph.Nodes.SelectMany(n => n.Inputs).Select(v => v?.Constant).Single(c => c is { ElementCount: 32 * 64 })!;
        Assert.True(MemoryMarshal.TryGetArray(weight.Bytes, out var segment) && segment.Array == written);
    }
}
