using MgeConvert.Formats.Mge;
using MgeConvert.Formats.Mge.Fbs;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Tests.Mge;

/// <summary>With AllowUnsupported (inspect), operators outside the IR are read as <see cref="Opaque"/> nodes.</summary>
public class MgeOpaqueTests
{
    [Fact]
    public void UnknownOperatorsBecomeOpaqueNodes()
    {
        var g = new MgeTestGraph();
        var x = g.Input("x", 2, 3);
        var a = g.Other("CumsumV1", x);
        var b = g.Other("NoSuchOpr", a);
        var c = g.Other("Remap", b);

        var graph = Read(g.Finish(c)).Graph;

        var ops = graph.Nodes.Select(n => Assert.IsType<Opaque>(n.Op)).ToList();
        Assert.Equal(3, ops.Count);
        Assert.Equal("Cumsum (unsupported)", ops[0].Name);
        Assert.Contains("NoSuchOpr", ops[1].OpType, StringComparison.Ordinal);
        Assert.Same(graph.Inputs[0], graph.Nodes[0].Inputs[0]);
        Assert.Same(graph.Nodes[^1].Outputs[0], Assert.Single(graph.Outputs));
    }

    [Fact]
    public void UnsupportedModesBecomeOpaqueNodesBesideConvertedOnes()
    {
        var g = new MgeTestGraph();
        var x = g.Input("x", 2, 3);
        var a = g.Elemwise(ElemwiseMode.SHL, x, x);
        var b = g.Elemwise(ElemwiseMode.ATAN2, x, x);
        var c = g.Elemwise(ElemwiseMode.ADD, a, b);

        var histogram = OpHistogram.Of(Read(g.Finish(c)).Graph);

        Assert.Equal([new OpCount("Elemwise (unsupported)", 2), new OpCount("Add", 1)], histogram);
    }

    private static Formats.ImportedModel Read(byte[] bytes) =>
        new MgeReader().Read("synthetic.mge", bytes, new ConversionOptions { AllowUnsupported = true });
}
