using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using MgeConvert.Passes;
using MgeConvert.Tests.Support;

namespace MgeConvert.Tests.Passes;

public class EliminateDeadCodeTests
{
    [Fact]
    public void RemovesUnreadBranchesKeepsMultiOutputNodesWithOneLiveOutput()
    {
        var b = new GraphBuilder("g");
        var x = b.Input("x", DataType.Float32, Shape.Of(2, 4));
        var parts = b.ApplyMulti(new Split(1, [2, 2]), x);
        var dead = b.Apply(new Unary(UnaryFunction.Sigmoid), parts[1]);
        b.Apply(new Unary(UnaryFunction.Tanh), dead);
        b.Output(b.Apply(new Unary(UnaryFunction.Relu), parts[0]));

        var record = GraphCheck.RunAndCompare(b.Graph, new EliminateDeadCode());

        Assert.Equal((4, 2), (record.NodesBefore, record.NodesAfter));
        Assert.Equal(1, GraphCheck.Count<Split>(b.Graph));
        Assert.Equal(1, GraphCheck.Count<Unary>(b.Graph));
    }
}
