using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using MgeConvert.Passes;
using MgeConvert.Tests.Support;

namespace MgeConvert.Tests.Passes;

public class ExpandBatchNormTests
{
    [Fact]
    public void BatchNormBecomesMulAndAdd()
    {
        var b = new GraphBuilder("g");
        var x = b.Input("x", DataType.Float32, Shape.Of(2, 3, 4, 4));
        b.Output(b.ApplyNamed("bn", ["y"], new BatchNorm(1e-3f), [x, .. BatchNormParameters.Constants(b, 3, seed: 5)])[0]);

        var record = GraphCheck.RunAndCompare(b.Graph, new ExpandBatchNorm());

        Assert.Equal((1, 2), (record.NodesBefore, record.NodesAfter));
        Assert.Equal(0, GraphCheck.Count<BatchNorm>(b.Graph));
        Assert.Equal(2, GraphCheck.Count<Binary>(b.Graph));
        Assert.Equal("y", b.Graph.Outputs[0].Name);
        Assert.Equal(Shape.Of(3, 1, 1), b.Graph.Nodes[0].Input(1).Shape);
    }
}
