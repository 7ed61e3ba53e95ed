using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using MgeConvert.Passes;
using MgeConvert.Tests.Support;

namespace MgeConvert.Tests.Passes;

public class FoldConstantsTests
{
    [Fact]
    public void FoldsConstantSubgraphsAndShapeOf()
    {
        var b = new GraphBuilder("g");
        var x = b.Input("x", DataType.Float32, Shape.Of(2, 3));
        var c1 = b.Constant("c1", Tensor.FromFloats(Shape.Of(3), 1, -2, 0.5f));
        var c2 = b.Constant("c2", Tensor.FromFloats(Shape.Of(3), 3, 4, -1));
        var sum = b.Apply(new Binary(BinaryFunction.Add), c1, c2);
        var scaled = b.Apply(new Binary(BinaryFunction.Mul), sum, c1);
        var shape = b.Apply(new ShapeOf(), x);
        var cols = b.Apply(new Gather(0), shape, b.Constant(Tensor.FromInt64s(Shape.Scalar, 1)));
        var colsFloat = b.Apply(new Cast(DataType.Float32), cols);
        var bias = b.Apply(new Binary(BinaryFunction.Div), scaled, colsFloat);
        b.Output(b.Apply(new Binary(BinaryFunction.Add), x, bias));

        var record = GraphCheck.RunAndCompare(b.Graph, new FoldConstants());

        Assert.Equal((7, 1), (record.NodesBefore, record.NodesAfter));
        var add = Assert.Single(b.Graph.Nodes);
        Assert.Equal([4f / 3, -4f / 3, -0.25f / 3], add.Input(1).Constant!.ToFloats());
    }

    [Fact]
    public void GraphOutputsMayBecomeConstants()
    {
        var b = new GraphBuilder("g");
        b.Input("x", DataType.Float32, Shape.Of(1));
        var c = b.Constant("c", Tensor.FromFloats(Shape.Of(2), -1, 3));
        b.Output(b.ApplyNamed("relu", ["out"], new Unary(UnaryFunction.Relu), c)[0]);

        GraphCheck.RunAndCompare(b.Graph, new FoldConstants());

        Assert.Empty(b.Graph.Nodes);
        Assert.Equal("out", b.Graph.Outputs[0].Name);
        Assert.Equal([0f, 3f], b.Graph.Outputs[0].Constant!.ToFloats());
    }

    [Fact]
    public void KeepsNodesWithComputedInputs()
    {
        var b = new GraphBuilder("g");
        var x = b.Input("x", DataType.Float32, Shape.Of(2));
        b.Output(b.Apply(new Unary(UnaryFunction.Exp), x));
        var record = GraphCheck.RunAndCompare(b.Graph, new FoldConstants());
        Assert.Equal(1, record.NodesAfter);
        Assert.False(record.Changed);
    }
}
