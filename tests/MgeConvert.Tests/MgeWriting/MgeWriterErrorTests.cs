using MgeConvert.Formats.Mge;
using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Tests.MgeWriting;

public class MgeWriterErrorTests
{
    [Fact]
    public void EveryUnsupportedOpIsListedAtOnceAndNothingIsWritten()
    {
        var b = new GraphBuilder();
        var x = b.Input("x", DataType.Float32, new Shape(1, 2, 4, 4, 4));
        var w = b.Constant(Tensor.FromFloats(new Shape(2, 2, 1, 1, 1), 1, 0, 0, 1));
        var conv3d = b.Apply(new Conv([1, 1, 1], [0, 0, 0, 0, 0, 0], [1, 1, 1]), x, w);
        var opaque = b.ApplyNamed("custom", null, new Opaque("", "MyOp", 1), conv3d)[0];
        var mod = b.Apply(new Binary(BinaryFunction.Mod), opaque, opaque);
        b.Output(mod);

        using var temp = new Cli.TempDirectory();
        var path = temp.File("out.mge");
        var writer = new MgeWriter();
        var e = Assert.Throws<UnsupportedOpsException>(() => writer.Prepare(b.Graph, new ConversionOptions { Output = path }));
        Assert.Equal(3, e.Ops.Count);
        Assert.Contains(e.Ops, o => o.OpType == "Conv");
        Assert.Contains(e.Ops, o => o.OpType == "MyOp" || o.NodeName == "custom");
        Assert.Contains(e.Ops, o => o.OpType == "Mod");
        Assert.Empty(temp.Files());
    }

    [Fact]
    public void UnknownContainerNameIsRejected()
    {
        var b = new GraphBuilder();
        b.Output(b.Apply(new Unary(UnaryFunction.Relu), b.Input("x", DataType.Float32, new Shape(2))));
        var e = Assert.Throws<ModelFormatException>(() => new MgeWriter().Prepare(b.Graph, new ConversionOptions { Output = "out.mge", MgeFormat = "MGB9" }));
        Assert.Contains("mgv2, MGBC or MGBS", e.Message);
    }

    [Fact]
    public void OptimizeForInferenceIsRecordedInTheMetadata()
    {
        var b = new GraphBuilder();
        b.Output(b.Apply(new Unary(UnaryFunction.Relu), b.Input("x", DataType.Float32, new Shape(2))));
        foreach (var container in MgeWriteHarness.Containers)
        {
            var plain = MgeWriter.Serialize(b.Graph, new ConversionOptions { MgeFormat = container });
            var optimized = MgeWriter.Serialize(b.Graph, new ConversionOptions { MgeFormat = container, OptimizeForInference = true });
            Assert.Equal(0UL, Dump(plain).OptimizeOptions);
            Assert.Equal(MgeWriter.OptimizeForInferenceOptions, Dump(optimized).OptimizeOptions);
        }
    }

    private static MgeDump Dump(byte[] bytes) => MgeOpInventory.Load("<mge>", bytes);
}
