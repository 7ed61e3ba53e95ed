using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using MgeConvert.Passes;
using MgeConvert.Tests.Support;

namespace MgeConvert.Tests.Passes;

public class FuseActivationTests
{
    [Fact]
    public void ConvReluAndGemmRelu6AndAddSigmoid()
    {
        var b = new GraphBuilder("g");
        var x = b.Input("x", DataType.Float32, Shape.Of(1, 2, 4, 4));
        var w = b.Constant("w", GraphCheck.RandomFloats(new Random(3), Shape.Of(3, 2, 3, 3)));
        var conv = b.Apply(new Conv([1, 1], [1, 1, 1, 1], [1, 1]), x, w);
        var relu = b.Apply(new Unary(UnaryFunction.Relu), conv);
        var flat = b.Apply(new Flatten(1), relu);
        var fc = b.Constant("fc", GraphCheck.RandomFloats(new Random(4), Shape.Of(48, 5), -3, 3));
        var gemm = b.Apply(new Gemm(), flat, fc);
        var relu6 = b.Apply(new Clip(0, 6), gemm);
        var sum = b.Apply(new Binary(BinaryFunction.Add), relu6, relu6);
        b.Output(b.ApplyNamed("sig", ["probability"], new Unary(UnaryFunction.Sigmoid), sum)[0]);

        var record = GraphCheck.RunAndCompare(b.Graph, new FuseActivation());

        Assert.Equal((7, 4), (record.NodesBefore, record.NodesAfter));
        Assert.Equal(FusedActivation.Relu, ((Conv)b.Graph.Nodes[0].Op).Activation);
        Assert.Equal(FusedActivation.Relu6, ((Gemm)b.Graph.Nodes[2].Op).Activation);
        Assert.Equal(FusedActivation.Sigmoid, ((Binary)b.Graph.Nodes[3].Op).Activation);
        Assert.Equal("probability", b.Graph.Outputs[0].Name);
        Assert.Same(b.Graph.Nodes[3].Output, b.Graph.Outputs[0]);
    }

    [Fact]
    public void LeavesSharedOutputsAndOtherClipsAlone()
    {
        var b = new GraphBuilder("g");
        var x = b.Input("x", DataType.Float32, Shape.Of(2, 3));
        var w = b.Constant("w", GraphCheck.RandomFloats(new Random(5), Shape.Of(3, 3)));
        var gemm = b.Apply(new Gemm(), x, w);
        b.Output(b.Apply(new Unary(UnaryFunction.Tanh), gemm));
        b.Output(b.Apply(new Unary(UnaryFunction.Exp), gemm));
        var other = b.Apply(new Gemm(), x, w);
        b.Output(b.Apply(new Clip(-1, 1), other));
        var compared = b.Apply(new Binary(BinaryFunction.Less), x, x);
        b.Output(b.Apply(new Unary(UnaryFunction.Not), compared));

        var record = GraphCheck.RunAndCompare(b.Graph, new FuseActivation());

        Assert.False(record.Changed);
    }

    [Fact]
    public void QuantizedConvAbsorbsReluWithTheSameResults()
    {
        var q = DataType.Quantized(ElementType.Int8, 0.05f, 3);
        var b = new GraphBuilder("g");
        var x = b.Input("x", q, Shape.Of(1, 2, 5, 5));
        var w = b.Constant("w", GraphCheck.RandomFloats(new Random(9), Shape.Of(4, 2, 3, 3)));
        var conv = b.Apply(new Conv([1, 1], [1, 1, 1, 1], [1, 1]), x, w);
        b.Output(b.ApplyNamed("relu", ["y"], new Unary(UnaryFunction.Relu), conv)[0]);

        var record = GraphCheck.RunAndCompare(b.Graph, new FuseActivation());

        Assert.Equal(1, record.NodesAfter);
        Assert.Equal(q, b.Graph.Outputs[0].DType);
        Assert.Equal(FusedActivation.Relu, ((Conv)b.Graph.Nodes[0].Op).Activation);
    }
}
