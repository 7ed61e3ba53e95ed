using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using MgeConvert.Passes;
using MgeConvert.Tests.Support;

namespace MgeConvert.Tests.Passes;

public class FoldChannelBiasIntoConvTests
{
    private static Value Constant(GraphBuilder b, string name, params int[] dims) => GraphCheck.RandomConstant(b, name, dims);

    [Fact]
    public void BiasAddThenShiftOfAGroupedConvBecomeOneConv()
    {
        var b = new GraphBuilder("g");
        var x = b.Input("x", DataType.Float32, Shape.Of(1, 4, 7, 7));
        var conv = b.Apply(new Conv([2, 1], [1, 0, 1, 2], [1, 2], Group: 2), x, Constant(b, "w", 6, 2, 3, 3));
        var biased = b.Apply(new Binary(BinaryFunction.Add), Constant(b, "bias", 1, 6, 1, 1), conv);
        var shifted = b.ApplyNamed("shift", ["y"], new Binary(BinaryFunction.Add), biased, Constant(b, "shift", 6, 1, 1))[0];
        b.Output(shifted);

        var record = GraphCheck.RunAndCompare(b.Graph, new FoldChannelBiasIntoConv());

        Assert.Equal((3, 1), (record.NodesBefore, record.NodesAfter));
        var node = Assert.Single(b.Graph.Nodes);
        Assert.IsType<Conv>(node.Op);
        Assert.Equal(Shape.Of(6), node.Input(2).Shape);
        Assert.Equal("y", node.Output.Name);
    }

    [Fact]
    public void ShiftOfAGroupedConvTransposeFoldsIntoItsBiasAndAScaleStays()
    {
        var b = new GraphBuilder("g");
        var x = b.Input("x", DataType.Float32, Shape.Of(1, 4, 3, 3));
        var deconv = b.Apply(new ConvTranspose([2, 2], [0, 1, 1, 0], [1, 1], Group: 2), x, Constant(b, "w", 4, 3, 2, 2), Constant(b, "bias", 6));
        var shifted = b.Apply(new Binary(BinaryFunction.Add), deconv, Constant(b, "shift", 1, 6, 1, 1));
        b.Output(b.Apply(new Binary(BinaryFunction.Mul), shifted, Constant(b, "scale", 1, 6, 1, 1)));

        var record = GraphCheck.RunAndCompare(b.Graph, new FoldChannelBiasIntoConv());

        Assert.Equal((3, 2), (record.NodesBefore, record.NodesAfter));
    }

    [Fact]
    public void ConstantsThatAreNotPerChannelOrResultsReadTwiceStay()
    {
        var b = new GraphBuilder("g");
        var x = b.Input("x", DataType.Float32, Shape.Of(1, 2, 4, 4));
        var conv = b.Apply(new Conv([1, 1], [0, 0, 0, 0], [1, 1]), x, Constant(b, "w", 3, 2, 1, 1));
        b.Output(b.Apply(new Binary(BinaryFunction.Add), conv, Constant(b, "spatial", 1, 1, 4, 4)));
        var shared = b.Apply(new Conv([1, 1], [0, 0, 0, 0], [1, 1]), x, Constant(b, "w2", 3, 2, 1, 1));
        b.Output(b.Apply(new Binary(BinaryFunction.Add), shared, Constant(b, "bias", 3, 1, 1)));
        b.Output(shared);
        var relu = b.Apply(new Conv([1, 1], [0, 0, 0, 0], [1, 1], Activation: FusedActivation.Relu), x, Constant(b, "w3", 3, 2, 1, 1));
        b.Output(b.Apply(new Binary(BinaryFunction.Add), relu, Constant(b, "bias3", 3, 1, 1)));

        var record = GraphCheck.RunAndCompare(b.Graph, new FoldChannelBiasIntoConv());

        Assert.Equal(record.NodesBefore, record.NodesAfter);
    }
}
