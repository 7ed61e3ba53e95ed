using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Tests.Ir;

public class GraphBuilderTests
{
    [Fact]
    public void InfersConvPoolGemmShapes()
    {
        var b = new GraphBuilder("net");
        var x = b.Input("x", DataType.Float32, Shape.Of(1, 3, 32, 32));
        var w = b.Constant("w", Tensor.FromFloats(Shape.Of(8, 3, 3, 3), new float[8 * 27]));
        var y = b.Apply(new Conv([2, 2], [1, 1, 1, 1], [1, 1]), x, w);
        var p = b.Apply(new Pool(PoolKind.Max, [2, 2], [2, 2], [0, 0, 0, 0]), y);
        var f = b.Apply(new Flatten(1), p);
        var fc = b.Constant("fc", Tensor.FromFloats(Shape.Of(10, 512), new float[5120]));
        var o = b.Apply(new Gemm(TransB: true), f, fc);
        b.Output(o);

        Assert.Equal(Shape.Of(1, 8, 16, 16), y.Shape);
        Assert.Equal(Shape.Of(1, 8, 8, 8), p.Shape);
        Assert.Equal(Shape.Of(1, 10), o.Shape);
        Assert.Empty(GraphValidator.Check(b.Graph));
    }

    [Fact]
    public void ValidatorReportsDanglingValueAndTypeMismatch()
    {
        var g = new Graph();
        var x = new Value("x", new TensorType(DataType.Float32, Shape.Of(2, 3)));
        var stray = new Value("stray", new TensorType(DataType.Float32, Shape.Of(2, 3)));
        g.Inputs.Add(x);
        var bad = new Value("y", new TensorType(DataType.Float32, Shape.Of(9)));
        g.Nodes.Add(new Node("add", new Binary(BinaryFunction.Add), [x, stray], [bad]));
        g.Outputs.Add(bad);

        var problems = GraphValidator.Check(g);

        Assert.Contains(problems, p => p.Contains("stray") && p.Contains("dangling"));
        Assert.Contains(problems, p => p.Contains("inference says"));
    }

    [Fact]
    public void BroadcastFollowsNumpyRules()
    {
        Assert.Equal(Shape.Of(2, 3, 4), ShapeMath.Broadcast(Shape.Of(3, 1), Shape.Of(2, 1, 4)));
        Assert.Throws<IrException>(() => ShapeMath.Broadcast(Shape.Of(3), Shape.Of(4)));
    }

    [Fact]
    public void PrinterShowsOpsAndAttributes()
    {
        var b = new GraphBuilder("p");
        var x = b.Input("x", DataType.Float32, Shape.Of(1, 4));
        b.Output(b.Apply(new Transpose([1, 0]), x));
        var text = GraphPrinter.Print(b.Graph);
        Assert.Contains("Transpose[Perm=[1,0]](%x)", text);
        Assert.Contains("f32[4,1]", text);
    }
}
