using Google.FlatBuffers;
using MgeConvert.Formats.TFLite;
using MgeConvert.Formats.TFLite.Schema;
using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using Tensor = MgeConvert.Ir.Tensor;

namespace MgeConvert.Tests.TFLite;

/// <summary>Model-level facts of written files, unsupported-op reporting and the self-check.</summary>
public sealed class TFLiteWriterStructureTests
{
    [Fact]
    public void WritesNamedSubgraphSignatureAndEmptyBufferZero()
    {
        var b = new GraphBuilder("g");
        var x = b.Input("image", DataType.Float32, new Shape(1, 3, 4, 4));
        var w = b.Constant("w", Tensor.FromFloats(new Shape(2, 3, 1, 1), new float[6]));
        b.Output(b.ApplyNamed("conv", ["features"], new Conv([1, 1], [0, 0, 0, 0], [1, 1]), x, w)[0]);
        var bytes = new TFLiteWriter().Convert(b.Graph, new ConversionOptions { GraphName = "my_net" });

        var model = Model.GetRootAsModel(new ByteBuffer(bytes));
        Assert.True(Model.ModelBufferHasIdentifier(new ByteBuffer(bytes)));
        Assert.Equal(3u, model.Version);
        Assert.Equal(0, model.Buffers(0)!.Value.DataLength);
        var g = model.Subgraphs(0)!.Value;
        Assert.Equal("my_net", g.Name);
        Assert.Equal("image", g.Tensors(g.Inputs(0))!.Value.Name);
        Assert.Equal("features", g.Tensors(g.Outputs(0))!.Value.Name);
        Assert.Equal([1, 3, 4, 4], g.Tensors(g.Inputs(0))!.Value.GetShapeArray());
        var sig = model.SignatureDefs(0)!.Value;
        Assert.Equal("serving_default", sig.SignatureKey);
        Assert.Equal("image", sig.Inputs(0)!.Value.Name);
        Assert.Equal("features", sig.Outputs(0)!.Value.Name);
        Assert.Empty(TFLiteVerifier.Check(bytes));
    }

    [Fact]
    public void UnknownBatchBecomesShapeSignature()
    {
        var b = new GraphBuilder("g");
        var x = b.Input("x", DataType.Float32, new Shape(-1, 3, 4, 4));
        var w = b.Constant("w", Tensor.FromFloats(new Shape(2, 3, 1, 1), new float[6]));
        var flat = b.Apply(new Flatten(1), b.Apply(new Conv([1, 1], [0, 0, 0, 0], [1, 1]), x, w));
        b.Output(flat);
        var bytes = new TFLiteWriter().Convert(b.Graph, new ConversionOptions());

        Assert.Empty(TFLiteVerifier.Check(bytes));
        var g = Model.GetRootAsModel(new ByteBuffer(bytes)).Subgraphs(0)!.Value;
        var input = g.Tensors(g.Inputs(0))!.Value;
        Assert.Equal([1, 3, 4, 4], input.GetShapeArray());
        Assert.Equal([-1, 3, 4, 4], input.GetShapeSignatureArray());
        Assert.Equal([-1, 32], g.Tensors(g.Outputs(0))!.Value.GetShapeSignatureArray());
        var nhwc = Enumerable.Range(0, g.TensorsLength).Select(i => g.Tensors(i)!.Value).First(t => t.Name == "x_nhwc");
        Assert.Equal([-1, 4, 4, 3], nhwc.GetShapeSignatureArray());
    }

    [Fact]
    public void ListsEveryUnsupportedOpBeforeWriting()
    {
        var b = new GraphBuilder("g");
        var x = b.Input("x", DataType.Float32, new Shape(1, 2, 4, 4));
        var e = b.Apply(new Unary(UnaryFunction.Erf), x);
        var r = b.Apply(new Resize([1, 2, 8, 8], null, ResizeMode.Cubic, CoordinateTransform.HalfPixel), e);
        var computedIndex = b.Input("index", DataType.Int64, new Shape(1, 1, 8, 8));
        b.Output(b.Apply(new GatherElements(1), r, computedIndex));
        var path = Path.Combine(Path.GetTempPath(), $"unsupported-{Guid.NewGuid():N}.tflite");
        var writer = new TFLiteWriter();

        var error = Assert.Throws<UnsupportedOpsException>(() => writer.Prepare(b.Graph, new ConversionOptions { Output = path }));
        Assert.Equal(3, error.Ops.Count);
        Assert.Equal(["Erf", "Resize", "GatherElements"], error.Ops.Select(o => o.OpType));
        Assert.Contains(path, error.Message);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void VerifierRejectsCorruptedModels()
    {
        var b = new GraphBuilder("g");
        var x = b.Input("x", DataType.Float32, new Shape(1, 4));
        b.Output(b.Apply(new Gemm(TransB: true), x, b.Constant(Tensor.FromFloats(new Shape(2, 4), new float[8]))));
        var bytes = new TFLiteWriter().Convert(b.Graph, new ConversionOptions());
        Assert.Empty(TFLiteVerifier.Check(bytes));

        var badIdentifier = (byte[])bytes.Clone();
        badIdentifier[4] = (byte)'X';
        Assert.Contains(TFLiteVerifier.Check(badIdentifier), p => p.Contains("identifier", StringComparison.Ordinal));
        Assert.NotEmpty(TFLiteVerifier.Check(bytes[..(bytes.Length / 3)]));
    }

    [Fact]
    public void QuantizedWeightsKeepPerChannelScalesOnTheOutputChannelAxis()
    {
        var b = new GraphBuilder("g");
        var x = b.Input("x", DataType.Quantized(ElementType.Int8, 0.1f), new Shape(1, 2, 3, 3));
        var wType = new DataType(ElementType.Int8, new QuantParams([0.1f, 0.2f, 0.3f], [0, 0, 0], 0));
        var w = b.Constant("w", Tensor.Create(wType, new Shape(3, 2, 1, 1), new sbyte[6]));
        b.Output(b.Apply(new Conv([1, 1], [0, 0, 0, 0], [1, 1]), x, w));
        var bytes = new TFLiteWriter().Convert(b.Graph, new ConversionOptions());

        var g = Model.GetRootAsModel(new ByteBuffer(bytes)).Subgraphs(0)!.Value;
        var weight = Enumerable.Range(0, g.TensorsLength).Select(i => g.Tensors(i)!.Value).Single(t => t.Name == "w");
        Assert.Equal(MgeConvert.Formats.TFLite.Schema.TensorType.INT8, weight.Type);
        Assert.Equal([3, 1, 1, 2], weight.GetShapeArray());
        Assert.Equal([0.1f, 0.2f, 0.3f], weight.Quantization!.Value.GetScaleArray());
        Assert.Equal(0, weight.Quantization!.Value.QuantizedDimension);
        var bias = Enumerable.Range(0, g.TensorsLength).Select(i => g.Tensors(i)!.Value).Single(t => t.Type == MgeConvert.Formats.TFLite.Schema.TensorType.INT32 && t.ShapeLength == 1 && t.Shape(0) == 3);
        Assert.Equal(0.01f, bias.Quantization!.Value.GetScaleArray()[0], 6);
    }
}
