using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Tests.Robustness;

/// <summary>
/// Regression: unique names were found by trying suffixes from 1 each time, so n nodes of one name cost n² strings
/// (1.4 GB and 1.8 s for the 4 800 slices of a dilated MaxPool in a 180-byte ONNX file).
/// </summary>
public sealed class UniqueNameScaleTests
{
    [Fact]
    public void ManyNodesOfOneNameAreNamedInLinearTime()
    {
        var b = new GraphBuilder("g");
        var x = b.Input("x", DataType.Float32, Shape.Of(1, 4));
        var before = GC.GetAllocatedBytesForCurrentThread();
        Value y = x;
        for (var i = 0; i < 20_000; i++)
        {
            y = b.Apply(new Unary(UnaryFunction.Relu), y);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal("relu_19999", y.Producer!.Name);
        Assert.True(allocated < 64L << 20, $"allocated {allocated} bytes for 20 000 nodes");
    }
}
