using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using MgeConvert.Passes;
using MgeConvert.Tests.Support;

namespace MgeConvert.Tests.Passes;

public class RemoveIdentityTests
{
    [Fact]
    public void RemovesIdentityAndDropoutKeepingTheOutputName()
    {
        var b = new GraphBuilder("g");
        var x = b.Input("x", DataType.Float32, Shape.Of(2, 3));
        var id = b.Apply(new Identity(), x);
        var relu = b.Apply(new Unary(UnaryFunction.Relu), id);
        var dropped = b.ApplyNamed("drop", ["result"], new Dropout(0.2f), relu)[0];
        b.Output(dropped);

        var record = GraphCheck.RunAndCompare(b.Graph, new RemoveIdentity());

        Assert.Equal((3, 1), (record.NodesBefore, record.NodesAfter));
        var node = Assert.Single(b.Graph.Nodes);
        Assert.IsType<Unary>(node.Op);
        Assert.Same(x, node.Input(0));
        Assert.Equal("result", b.Graph.Outputs[0].Name);
    }

    [Fact]
    public void KeepsAnIdentityBetweenGraphInputAndGraphOutput()
    {
        var b = new GraphBuilder("g");
        var x = b.Input("x", DataType.Float32, Shape.Of(2));
        b.Output(b.ApplyNamed("copy", ["y"], new Identity(), x)[0]);

        var record = GraphCheck.RunAndCompare(b.Graph, new RemoveIdentity());

        Assert.Equal(1, record.NodesAfter);
        Assert.Equal("y", b.Graph.Outputs[0].Name);
    }
}
