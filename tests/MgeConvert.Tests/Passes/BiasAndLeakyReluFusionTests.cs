using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using MgeConvert.Passes;
using MgeConvert.Tests.Support;

namespace MgeConvert.Tests.Passes;

public class BiasAndLeakyReluFusionTests
{
    private static Value Scalar(GraphBuilder b, string name, float value) => b.Constant(name, Tensor.FromFloats(Shape.Of(1), [value]));

    private static Value Binary(GraphBuilder b, BinaryFunction f, Value x, Value y) => b.Apply(new Binary(f), x, y);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void MaxPlusScaledMinBecomesLeakyRelu(bool reluForMax)
    {
        var b = new GraphBuilder("g");
        var x = b.Input("x", DataType.Float32, Shape.Of(2, 3, 4));
        var positive = reluForMax ? b.Apply(new Unary(UnaryFunction.Relu), x) : Binary(b, BinaryFunction.Max, Scalar(b, "zero", 0), x);
        var negative = Binary(b, BinaryFunction.Mul, Scalar(b, "slope", 0.1f), Binary(b, BinaryFunction.Min, x, Scalar(b, "zero2", 0)));
        b.Output(b.ApplyNamed("add", ["y"], new Binary(BinaryFunction.Add), negative, positive)[0]);

        var record = OrtPassCheck.RunAndCompare(b.Graph, new FuseLeakyRelu());

        Assert.Equal((4, 1), (record.NodesBefore, record.NodesAfter));
        var node = Assert.Single(b.Graph.Nodes);
        Assert.Equal(new LeakyRelu(0.1f), node.Op);
        Assert.Equal("y", node.Output.Name);
    }

    [Fact]
    public void LeakyReluNearMissesStay()
    {
        var b = new GraphBuilder("g");
        var x = b.Input("x", DataType.Float32, Shape.Of(2, 3));
        var z = b.Input("z", DataType.Float32, Shape.Of(2, 3));

        // A bound that is not zero.
        b.Output(Binary(b, BinaryFunction.Add, Binary(b, BinaryFunction.Max, x, Scalar(b, "one", 1)),
            Binary(b, BinaryFunction.Mul, Binary(b, BinaryFunction.Min, x, Scalar(b, "zero", 0)), Scalar(b, "slope", 0.2f))));

        // Max and Min of different tensors.
        b.Output(Binary(b, BinaryFunction.Add, Binary(b, BinaryFunction.Max, x, Scalar(b, "zero2", 0)),
            Binary(b, BinaryFunction.Mul, Binary(b, BinaryFunction.Min, z, Scalar(b, "zero3", 0)), Scalar(b, "slope2", 0.2f))));

        // The min is also read elsewhere.
        var shared = Binary(b, BinaryFunction.Min, x, Scalar(b, "zero4", 0));
        b.Output(Binary(b, BinaryFunction.Add, b.Apply(new Unary(UnaryFunction.Relu), x), Binary(b, BinaryFunction.Mul, shared, Scalar(b, "slope3", 0.3f))));
        b.Output(shared);

        var record = OrtPassCheck.RunAndCompare(b.Graph, new FuseLeakyRelu());

        Assert.Equal(record.NodesBefore, record.NodesAfter);
    }

    [Theory]
    [InlineData(new long[] { 4 })]
    [InlineData(new long[] { 1, 4 })]
    public void PerColumnAddGoesIntoTheGemmBias(long[] biasShape)
    {
        var random = new Random(3);
        var b = new GraphBuilder("g");
        var x = b.Input("x", DataType.Float32, Shape.Of(2, 5));
        var w = b.Constant("w", GraphCheck.RandomFloats(random, Shape.Of(4, 5)));
        var c = b.Constant("c", GraphCheck.RandomFloats(random, Shape.Of(4)));
        var gemm = b.Apply(new Gemm(TransB: true, Beta: 0.5f), x, w, c);
        b.Output(b.ApplyNamed("add", ["y"], new Binary(BinaryFunction.Add), b.Constant("bias", GraphCheck.RandomFloats(random, new Shape(biasShape))), gemm)[0]);

        var record = OrtPassCheck.RunAndCompare(b.Graph, new FoldBiasIntoGemm());

        Assert.Equal((2, 1), (record.NodesBefore, record.NodesAfter));
        var node = Assert.Single(b.Graph.Nodes);
        Assert.Equal(1f, Assert.IsType<Gemm>(node.Op).Beta);
        Assert.Equal("y", node.Output.Name);
    }

    [Fact]
    public void GemmBiasNearMissesStay()
    {
        var random = new Random(4);
        var b = new GraphBuilder("g");
        var x = b.Input("x", DataType.Float32, Shape.Of(2, 5));
        var w = b.Constant("w", GraphCheck.RandomFloats(random, Shape.Of(5, 4)));

        // The addend varies along rows.
        b.Output(Binary(b, BinaryFunction.Add, b.Apply(new Gemm(), x, w), b.Constant("rows", GraphCheck.RandomFloats(random, Shape.Of(2, 1)))));

        // The product is also a graph output.
        var shared = b.Apply(new Gemm(), x, w);
        b.Output(Binary(b, BinaryFunction.Add, shared, b.Constant("bias", GraphCheck.RandomFloats(random, Shape.Of(4)))));
        b.Output(shared);

        var record = OrtPassCheck.RunAndCompare(b.Graph, new FoldBiasIntoGemm());

        Assert.Equal(record.NodesBefore, record.NodesAfter);
    }

    [Fact]
    public void ChannelBiasAddedAfterAResidualSumGoesIntoTheConvolution()
    {
        var random = new Random(5);
        var b = new GraphBuilder("g");
        var x = b.Input("x", DataType.Float32, Shape.Of(1, 3, 5, 5));
        var conv = b.Apply(new Conv([1, 1], [1, 1, 1, 1], [1, 1], 1), x, b.Constant("w", GraphCheck.RandomFloats(random, Shape.Of(3, 3, 3, 3))));
        var sum = Binary(b, BinaryFunction.Add, x, conv);
        b.Output(b.ApplyNamed("bias", ["y"], new Binary(BinaryFunction.Add), b.Constant("c", GraphCheck.RandomFloats(random, Shape.Of(1, 3, 1, 1))), sum)[0]);

        var record = OrtPassCheck.RunAndCompare(b.Graph, new FoldChannelBiasIntoConv());

        Assert.Equal((3, 2), (record.NodesBefore, record.NodesAfter));
        Assert.NotNull(b.Graph.Nodes.Single(n => n.Op is Conv).InputOrNull(2));
        Assert.Equal("y", b.Graph.Nodes[^1].Output.Name);
    }

    [Fact]
    public void ResidualSumWithASharedConvolutionResultStays()
    {
        var random = new Random(6);
        var b = new GraphBuilder("g");
        var x = b.Input("x", DataType.Float32, Shape.Of(1, 3, 5, 5));
        var conv = b.Apply(new Conv([1, 1], [1, 1, 1, 1], [1, 1], 1), x, b.Constant("w", GraphCheck.RandomFloats(random, Shape.Of(3, 3, 3, 3))));
        b.Output(Binary(b, BinaryFunction.Add, b.Constant("c", GraphCheck.RandomFloats(random, Shape.Of(1, 3, 1, 1))), Binary(b, BinaryFunction.Add, x, conv)));
        b.Output(conv);

        var record = OrtPassCheck.RunAndCompare(b.Graph, new FoldChannelBiasIntoConv());

        Assert.Equal(record.NodesBefore, record.NodesAfter);
    }
}
