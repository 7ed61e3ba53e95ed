using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using MgeConvert.Passes;
using MgeConvert.Tests.Support;

namespace MgeConvert.Tests.Passes;

public class FuseBatchNormIntoConvTests
{
    private static Value Weight(GraphBuilder b, string name, params int[] dims) => GraphCheck.RandomConstant(b, name, dims);

    private static Value Bn(GraphBuilder b, Value x, int channels, string outputName = "y") =>
        b.ApplyNamed("bn", [outputName], new BatchNorm(1e-5f), [x, .. BatchNormParameters.Constants(b, channels, seed: channels)])[0];

    [Fact]
    public void GroupedStridedDilatedConvWithoutBiasGetsOne()
    {
        var b = new GraphBuilder("g");
        var x = b.Input("x", DataType.Float32, Shape.Of(1, 4, 9, 9));
        var conv = b.Apply(new Conv([2, 2], [1, 2, 0, 1], [2, 1], Group: 2), x, Weight(b, "w", 6, 2, 3, 3));
        b.Output(Bn(b, conv, 6));

        var record = GraphCheck.RunAndCompare(b.Graph, new FuseBatchNormIntoConv());

        Assert.Equal((2, 1), (record.NodesBefore, record.NodesAfter));
        var node = Assert.Single(b.Graph.Nodes);
        Assert.Equal(Shape.Of(6), node.Input(2).Shape);
        Assert.Equal("y", node.Output.Name);
    }

    [Fact]
    public void Conv3dWithBias()
    {
        var b = new GraphBuilder("g");
        var x = b.Input("x", DataType.Float32, Shape.Of(2, 2, 3, 4, 4));
        var conv = b.Apply(new Conv([1, 2, 1], [0, 1, 1, 0, 1, 1], [1, 1, 1]), x, Weight(b, "w", 3, 2, 2, 2, 2), Weight(b, "bias", 3));
        b.Output(Bn(b, conv, 3));

        var record = GraphCheck.RunAndCompare(b.Graph, new FuseBatchNormIntoConv());

        Assert.Equal(1, record.NodesAfter);
    }

    [Fact]
    public void GroupedConvTransposeWithBias()
    {
        var b = new GraphBuilder("g");
        var x = b.Input("x", DataType.Float32, Shape.Of(1, 4, 3, 3));
        var weight = Weight(b, "w", 4, 3, 2, 2);
        var deconv = b.Apply(new ConvTranspose([2, 2], [0, 1, 1, 0], [1, 1], Group: 2, OutputPadding: [1, 0]), x, weight, Weight(b, "bias", 6));
        b.Output(Bn(b, deconv, 6));

        var record = GraphCheck.RunAndCompare(b.Graph, new FuseBatchNormIntoConv());

        Assert.Equal(1, record.NodesAfter);
        Assert.Equal(0, GraphCheck.Count<BatchNorm>(b.Graph));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void GemmWithAndWithoutTransposedWeight(bool transB)
    {
        var b = new GraphBuilder("g");
        var x = b.Input("x", DataType.Float32, Shape.Of(3, 5));
        var w = transB ? Weight(b, "w", 4, 5) : Weight(b, "w", 5, 4);
        var gemm = b.Apply(new Gemm(TransB: transB, Alpha: 0.5f, Beta: 2f), x, w, Weight(b, "c", 1, 4));
        b.Output(Bn(b, gemm, 4));

        var record = GraphCheck.RunAndCompare(b.Graph, new FuseBatchNormIntoConv());

        Assert.Equal(1, record.NodesAfter);
    }

    [Fact]
    public void MatMulWithConstantWeightBecomesGemmWithBias()
    {
        var b = new GraphBuilder("g");
        var x = b.Input("x", DataType.Float32, Shape.Of(3, 5));
        var mm = b.Apply(new MatMul(), x, Weight(b, "w", 5, 4));
        b.Output(Bn(b, mm, 4));

        GraphCheck.RunAndCompare(b.Graph, new FuseBatchNormIntoConv());

        var node = Assert.Single(b.Graph.Nodes);
        Assert.IsType<Gemm>(node.Op);
        Assert.Equal(3, node.Inputs.Count);
    }

    [Fact]
    public void SharedWeightsStayIntactAndMultiReadOutputsAreNotFused()
    {
        var b = new GraphBuilder("g");
        var x = b.Input("x", DataType.Float32, Shape.Of(1, 2, 5, 5));
        var w = Weight(b, "w", 3, 2, 3, 3);
        var first = b.Apply(new Conv([1, 1], [1, 1, 1, 1], [1, 1]), x, w);
        var second = b.Apply(new Conv([1, 1], [0, 0, 0, 0], [1, 1]), x, w);
        var read = b.Apply(new Conv([1, 1], [0, 0, 0, 0], [1, 1]), x, w);
        b.Output(Bn(b, first, 3, "a"));
        b.Output(second);
        b.Output(Bn(b, read, 3, "c"));
        b.Output(b.Apply(new Unary(UnaryFunction.Relu), read));

        var record = GraphCheck.RunAndCompare(b.Graph, new FuseBatchNormIntoConv());

        Assert.Equal((6, 5), (record.NodesBefore, record.NodesAfter));
        Assert.Equal(1, GraphCheck.Count<BatchNorm>(b.Graph));
        Assert.Same(w, b.Graph.Nodes.First(n => n.Output == second).Input(1));
    }

    [Fact]
    public void InPlaceScalingRewritesTheWeightWhereItLies()
    {
        var b = new GraphBuilder("g");
        var x = b.Input("x", DataType.Float32, Shape.Of(1, 2, 5, 5));
        var w = Weight(b, "w", 3, 2, 3, 3);
        b.Output(Bn(b, b.Apply(new Conv([1, 1], [1, 1, 1, 1], [1, 1]), x, w), 3));

        GraphCheck.RunAndCompare(b.Graph, new FuseBatchNormIntoConv { ScaleInPlace = true });

        var folded = Assert.Single(b.Graph.Nodes).Input(1);
        Assert.NotSame(w, folded);
        Assert.Same(ArrayOf(w), ArrayOf(folded));
    }

    [Fact]
    public void InPlaceScalingCopiesBytesAnotherConstantShares()
    {
        var b = new GraphBuilder("g");
        var x = b.Input("x", DataType.Float32, Shape.Of(1, 2, 5, 5));
        var w = Weight(b, "w", 3, 2, 3, 3);
        var alias = b.Constant("alias", w.Constant!.Reshape(Shape.Of(3, 2, 3, 3)));
        var before = w.Constant.ToFloats();
        b.Output(Bn(b, b.Apply(new Conv([1, 1], [1, 1, 1, 1], [1, 1]), x, w), 3));
        b.Output(b.Apply(new Conv([1, 1], [0, 0, 0, 0], [1, 1]), x, alias));

        GraphCheck.RunAndCompare(b.Graph, new FuseBatchNormIntoConv { ScaleInPlace = true });

        Assert.Equal(before, alias.Constant!.ToFloats());
        Assert.NotSame(ArrayOf(w), ArrayOf(b.Graph.Nodes[0].Input(1)));
    }

    private static byte[]? ArrayOf(Value constant) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(constant.Constant!.Bytes, out var segment) ? segment.Array : null;

    [Fact]
    public void ConvWithFusedActivationIsLeftAlone()
    {
        var b = new GraphBuilder("g");
        var x = b.Input("x", DataType.Float32, Shape.Of(1, 2, 4, 4));
        var conv = b.Apply(new Conv([1, 1], [0, 0, 0, 0], [1, 1], Activation: FusedActivation.Relu), x, Weight(b, "w", 2, 2, 1, 1));
        b.Output(Bn(b, conv, 2));

        var record = GraphCheck.RunAndCompare(b.Graph, new FuseBatchNormIntoConv());

        Assert.Equal(2, record.NodesAfter);
    }
}
