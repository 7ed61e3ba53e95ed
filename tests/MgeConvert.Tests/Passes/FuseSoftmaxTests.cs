using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using MgeConvert.Passes;

namespace MgeConvert.Tests.Passes;

public class FuseSoftmaxTests
{
    private static Value Max(GraphBuilder b, Value x, long axis, bool keepDims = true) => b.Apply(new Reduce(ReduceKind.Max, [axis], keepDims), x);

    private static Value Sum(GraphBuilder b, Value x, long axis) => b.Apply(new Reduce(ReduceKind.Sum, [axis]), x);

    private static Value Sub(GraphBuilder b, Value x, Value y) => b.Apply(new Binary(BinaryFunction.Sub), x, y);

    private static Value Exp(GraphBuilder b, Value x) => b.Apply(new Unary(UnaryFunction.Exp), x);

    [Theory]
    [InlineData(1, 1)]
    [InlineData(-1, 2)]
    [InlineData(0, 0)]
    public void SpelledOutSoftmaxBecomesSoftmax(long axis, long expected)
    {
        var b = new GraphBuilder("g");
        var x = b.Input("x", DataType.Float32, Shape.Of(2, 5, 3));
        var e = Exp(b, Sub(b, x, Max(b, x, axis)));
        b.Output(b.ApplyNamed("div", ["y"], new Binary(BinaryFunction.Div), e, Sum(b, e, axis))[0]);

        var record = OrtPassCheck.RunAndCompare(b.Graph, new FuseSoftmax());

        Assert.Equal((5, 1), (record.NodesBefore, record.NodesAfter));
        var node = Assert.Single(b.Graph.Nodes);
        Assert.Equal(new Softmax(expected), node.Op);
        Assert.Same(x, node.Input(0));
        Assert.Equal("y", node.Output.Name);
    }

    [Fact]
    public void SpelledOutLogSoftmaxBecomesLogSoftmax()
    {
        var b = new GraphBuilder("g");
        var x = b.Input("x", DataType.Float32, Shape.Of(3, 7));
        var shifted = Sub(b, x, Max(b, x, 1));
        var logSum = b.Apply(new Unary(UnaryFunction.Log), Sum(b, Exp(b, shifted), 1));
        b.Output(b.ApplyNamed("sub", ["y"], new Binary(BinaryFunction.Sub), shifted, logSum)[0]);

        var record = OrtPassCheck.RunAndCompare(b.Graph, new FuseSoftmax());

        Assert.Equal((6, 1), (record.NodesBefore, record.NodesAfter));
        Assert.Equal(new LogSoftmax(1), Assert.Single(b.Graph.Nodes).Op);
        Assert.Equal("y", b.Graph.Outputs[0].Name);
    }

    [Fact]
    public void NearMissesStay()
    {
        var b = new GraphBuilder("g");
        var x = b.Input("x", DataType.Float32, Shape.Of(2, 4, 3));
        var other = b.Input("z", DataType.Float32, Shape.Of(2, 4, 3));

        // The max and the sum run over different axes.
        var e1 = Exp(b, Sub(b, x, Max(b, x, 1)));
        b.Output(b.Apply(new Binary(BinaryFunction.Div), e1, Sum(b, e1, 2)));

        // The subtracted max is another tensor's.
        var e2 = Exp(b, Sub(b, x, Max(b, other, 1)));
        b.Output(b.Apply(new Binary(BinaryFunction.Div), e2, Sum(b, e2, 1)));

        // The exponentials are also a graph output.
        var e3 = Exp(b, Sub(b, x, Max(b, x, 2)));
        b.Output(b.Apply(new Binary(BinaryFunction.Div), e3, Sum(b, e3, 2)));
        b.Output(e3);

        // The max is reduced over two axes.
        var max4 = b.Apply(new Reduce(ReduceKind.Max, [1, 2]), x);
        var e4 = Exp(b, Sub(b, x, max4));
        b.Output(b.Apply(new Binary(BinaryFunction.Div), e4, b.Apply(new Reduce(ReduceKind.Sum, [1, 2]), e4)));

        // The operands of the division are swapped.
        var e5 = Exp(b, Sub(b, x, Max(b, x, 1)));
        b.Output(b.Apply(new Binary(BinaryFunction.Div), Sum(b, e5, 1), e5));

        var record = OrtPassCheck.RunAndCompare(b.Graph, new FuseSoftmax());

        Assert.Equal(record.NodesBefore, record.NodesAfter);
        Assert.DoesNotContain(b.Graph.Nodes, n => n.Op is Softmax);
    }
}
