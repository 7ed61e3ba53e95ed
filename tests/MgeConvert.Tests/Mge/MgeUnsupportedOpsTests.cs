using MgeConvert.Formats.Mge;
using MgeConvert.Formats.Mge.Fbs;
using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Tests.Mge;

public class MgeUnsupportedOpsTests
{
    [Fact]
    public void UnknownOperatorsAreListedAllAtOnce()
    {
        var g = new MgeTestGraph();
        var x = g.Input("x", 2, 3);
        var a = g.Other("CumsumV1", x);
        var b = g.Other("NoSuchOpr", a);
        var c = g.Other("Remap", b);

        var e = Assert.Throws<UnsupportedOpsException>(() => Read(g.Finish(c)));

        Assert.Equal(3, e.Ops.Count);
        Assert.Contains(e.Ops, o => o.OpType == "Cumsum");
        Assert.Contains(e.Ops, o => o.OpType.Contains("NoSuchOpr", StringComparison.Ordinal));
    }

    [Fact]
    public void UnsupportedModesAreListedAllAtOnce()
    {
        var g = new MgeTestGraph();
        var x = g.Input("x", 2, 3);
        var a = g.Elemwise(ElemwiseMode.SHL, x, x);
        var b = g.Elemwise(ElemwiseMode.ATAN2, x, x);
        var c = g.Elemwise(ElemwiseMode.ADD, a, b);

        var e = Assert.Throws<UnsupportedOpsException>(() => Read(g.Finish(c)));

        Assert.Equal(2, e.Ops.Count);
        Assert.Contains(e.Ops, o => o.Reason!.Contains("SHL", StringComparison.Ordinal));
        Assert.Contains(e.Ops, o => o.Reason!.Contains("ATAN2", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(ElemwiseMode.FUSE_ADD_RELU, typeof(Binary), typeof(Unary))]
    [InlineData(ElemwiseMode.FUSE_MUL_ADD3, typeof(Binary), typeof(Binary))]
    [InlineData(ElemwiseMode.SWITCH_GT0, typeof(Binary), typeof(Where))]
    [InlineData(ElemwiseMode.LT, typeof(Binary), typeof(Cast))]
    [InlineData(ElemwiseMode.RELU6, typeof(Clip), null)]
    [InlineData(ElemwiseMode.GELU, typeof(Gelu), null)]
    public void ElemwiseModesBecomeIrOps(ElemwiseMode mode, Type first, Type? last)
    {
        var g = new MgeTestGraph();
        var x = g.Input("x", 2, 3);
        var arity = mode switch
        {
            ElemwiseMode.FUSE_MUL_ADD3 => 3,
            ElemwiseMode.RELU6 or ElemwiseMode.GELU => 1,
            _ => 2,
        };
        var y = g.Elemwise(mode, [.. Enumerable.Repeat(x, arity)]);

        var graph = Read(g.Finish(y)).Graph;

        Assert.Empty(GraphValidator.Check(graph));
        Assert.IsType(first, graph.Nodes[0].Op);
        Assert.IsType(last ?? first, graph.Nodes[^1].Op);
        Assert.Equal(DataType.Float32, graph.Outputs[0].DType);
        Assert.Equal(Shape.Of(2, 3), graph.Outputs[0].Shape);
    }

    private static Formats.ImportedModel Read(byte[] bytes) => new MgeReader().Read("synthetic.mge", bytes, new ConversionOptions());
}
