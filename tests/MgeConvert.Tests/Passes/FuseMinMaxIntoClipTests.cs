using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using MgeConvert.Passes;
using MgeConvert.Tests.Support;

namespace MgeConvert.Tests.Passes;

public class FuseMinMaxIntoClipTests
{
    private static Value Scalar(GraphBuilder b, string name, float value) => b.Constant(name, Tensor.FromFloats(Shape.Of(1), [value]));

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void MinOfMaxAndMaxOfMinBecomeClip(bool maxFirst)
    {
        var b = new GraphBuilder("g");
        var x = b.Input("x", DataType.Float32, Shape.Of(2, 3, 4));
        var (lo, hi) = (Scalar(b, "lo", -0.5f), Scalar(b, "hi", 1f));
        var inner = maxFirst ? b.Apply(new Binary(BinaryFunction.Max), x, lo) : b.Apply(new Binary(BinaryFunction.Min), hi, x);
        b.Output(b.ApplyNamed("outer", ["y"], maxFirst ? new Binary(BinaryFunction.Min) : new Binary(BinaryFunction.Max), maxFirst ? hi : inner, maxFirst ? inner : lo)[0]);

        var record = GraphCheck.RunAndCompare(b.Graph, new FuseMinMaxIntoClip());

        Assert.Equal((2, 1), (record.NodesBefore, record.NodesAfter));
        var node = Assert.Single(b.Graph.Nodes);
        Assert.Equal(new Clip(-0.5f, 1f), node.Op);
        Assert.Equal("y", node.Output.Name);
    }

    [Fact]
    public void EmptyRangesTensorBoundsAndSharedInnerResultsStay()
    {
        var b = new GraphBuilder("g");
        var x = b.Input("x", DataType.Float32, Shape.Of(2, 3));
        b.Output(b.Apply(new Binary(BinaryFunction.Min), b.Apply(new Binary(BinaryFunction.Max), x, Scalar(b, "lo", 1f)), Scalar(b, "hi", -1f)));
        var perColumn = b.Constant("columns", Tensor.FromFloats(Shape.Of(3), [0f, 0.5f, 1f]));
        b.Output(b.Apply(new Binary(BinaryFunction.Min), b.Apply(new Binary(BinaryFunction.Max), x, perColumn), Scalar(b, "hi2", 1.5f)));
        var shared = b.Apply(new Binary(BinaryFunction.Max), x, Scalar(b, "lo3", 0f));
        b.Output(b.Apply(new Binary(BinaryFunction.Min), shared, Scalar(b, "hi3", 1f)));
        b.Output(shared);

        var record = GraphCheck.RunAndCompare(b.Graph, new FuseMinMaxIntoClip());

        Assert.Equal(record.NodesBefore, record.NodesAfter);
    }
}
