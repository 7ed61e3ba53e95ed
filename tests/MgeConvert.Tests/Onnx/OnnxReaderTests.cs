using MgeConvert.Formats.Onnx;
using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using A = MgeConvert.Formats.Onnx.OnnxAttributes;

namespace MgeConvert.Tests.Onnx;

public sealed class OnnxReaderTests
{
    [Fact]
    public void UnknownOpsAreAllListedInOneError()
    {
        var model = new OnnxModels(13).Input("x", 2, 3).Output("y", 2, 3)
            .Node("FooOp", "first", ["x"], ["a"])
            .Node("Relu", "relu", ["a"], ["b"])
            .Node("BarOp", "second", ["b"], ["c"])
            .Node("FooOp", "third", ["c"], ["y"]);
        var e = Assert.Throws<UnsupportedOpsException>(() => model.Read());
        Assert.Equal(["FooOp first", "BarOp second", "FooOp third"], e.Ops.Select(o => $"{o.OpType} {o.NodeName}"));
        Assert.Contains("unsupported op FooOp (node first)", e.Message);
        Assert.Contains("unsupported op BarOp (node second)", e.Message);
        Assert.StartsWith("test.onnx", e.Message);
    }

    [Fact]
    public void ShapeGatherConcatChainFoldsIntoReshapeTarget()
    {
        var model = new OnnxModels(13).Input("x", 2, 3, 4).Output("y", 2, 12)
            .Initializer("zero", Tensor.FromInt64s(Shape.Scalar, 0))
            .Initializer("axes", Tensor.Vector(0))
            .Initializer("rest", Tensor.Vector(-1))
            .Node("Shape", "shape", ["x"], ["s"])
            .Node("Gather", "gather", ["s", "zero"], ["n"])
            .Node("Unsqueeze", "unsqueeze", ["n", "axes"], ["n1"])
            .Node("Concat", "concat", ["n1", "rest"], ["target"], A.Int("axis", 0))
            .Node("Reshape", "reshape", ["x", "target"], ["y"]);
        var graph = model.Read().Graph;
        var node = Assert.Single(graph.Nodes);
        Assert.Equal(new long[] { 2, -1 }, Assert.IsType<Reshape>(node.Op).TargetShape);
        Assert.Equal("y", graph.Outputs[0].Name);
        Assert.Equal(new Shape(2, 12), graph.Outputs[0].Shape);
    }

    [Fact]
    public void SoftmaxBeforeOpset13CoercesTo2DAndMatchesOnnxRuntime()
    {
        var model = new OnnxModels(11).Input("x", 2, 3, 4).Output("y", 2, 3, 4).Node("Softmax", "softmax", ["x"], ["y"], A.Int("axis", 1));
        var graph = model.Read().Graph;
        Assert.Equal(["Flatten", "Softmax", "Reshape"], graph.Nodes.Select(n => n.Op.Name));
        var input = new Dictionary<string, Tensor> { ["x"] = Tensor.FromFloats(new Shape(2, 3, 4), OnnxModels.Random(24, 1)) };
        var reference = OrtRunner.Run(model.Bytes(), input, ["y"])["y"].ToDoubles();
        foreach (var opset in new[] { 11, 13 })
        {
            var written = OnnxWriter.Serialize(graph, new ConversionOptions { Opset = opset });
            var actual = OrtRunner.Run(written, input, ["y"])["y"].ToDoubles();
            Assert.All(actual.Zip(reference), p => Assert.True(Math.Abs(p.First - p.Second) <= 1e-6, $"opset {opset}: {p.First} vs {p.Second}"));
        }
    }

    [Fact]
    public void ShapeOperandComputedAtRunTimeIsRefusedWithTheNodeName()
    {
        var model = new OnnxModels(13).Input("x", 2, 3).Input("shape", 2).Output("y", 3, 2).Node("Reshape", "r", ["x", "shape"], ["y"]);
        var e = Assert.Throws<UnsupportedOpsException>(() => model.Read());
        Assert.Contains("Reshape (node r): input 1 (shape) must be a constant", e.Message);
    }

    [Fact]
    public void DetailsDescribeProducerOpsetAndIrVersion()
    {
        var imported = new OnnxModels(12).Input("x", 1).Output("y", 1).Node("Relu", "relu", ["x"], ["y"]).Read();
        Assert.Equal(["producer: tests 1", "ir_version: 7", "opset: 12"], imported.Details);
        Assert.Equal(Formats.ModelFormat.Onnx, imported.Format);
    }

    [Fact]
    public void CanReadRecognisesOnnxHeaders()
    {
        var reader = new OnnxReader();
        var corpusModel = File.ReadAllBytes(Path.Combine(OnnxCorpus.Root, "pytorch-converted", "test_Conv2d", "model.onnx"));
        Assert.True(reader.CanRead(corpusModel.AsSpan(0, 64)));
        Assert.True(reader.CanRead(new OnnxModels(13).Input("x", 1).Output("x", 1).Bytes()));
        Assert.False(reader.CanRead("PK\u0003\u0004 zip archive"u8));
        Assert.False(reader.CanRead([0x80, 0x02, 0x63, 0x5f]));
    }

    [Fact]
    public void GarbageIsAModelFormatErrorNamingTheFile()
    {
        var e = Assert.Throws<ModelFormatException>(() => OnnxReader.Read("bad.onnx", [0x08, 0x07, 0x12, 0xff, 0xff]));
        Assert.StartsWith("bad.onnx", e.Message);
        var missing = Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}.onnx");
        Assert.StartsWith(missing, Assert.Throws<ModelFormatException>(() => new OnnxReader().Read(missing, new ConversionOptions())).Message);
    }
}
