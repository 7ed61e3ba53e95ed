using MgeConvert.Formats.Mge;
using MgeConvert.Formats.Mge.Fbs;

namespace MgeConvert.Tests.Mge;

public class MgeMemoryTests
{
    /// <summary>Weights are slices of the file buffer: reading a 64 MB dump allocates far less than its size.</summary>
    [Fact]
    public void LargeWeightsAreNotCopied()
    {
        const int elements = 16 * 1024 * 1024;
        var g = new MgeTestGraph();
        var x = g.Input("x", 1, elements);
        var w = g.Constant(new float[elements], 1, elements);
        var bytes = g.Finish(g.Elemwise(ElemwiseMode.ADD, x, w));

        var before = GC.GetAllocatedBytesForCurrentThread();
        var model = new MgeReader().Read("large.mge", bytes, new ConversionOptions());
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(elements * 4L, model.Graph.Nodes.Single().Input(1).Constant!.Bytes.Length);
        Assert.True(allocated < bytes.Length / 8, $"reading a {bytes.Length}-byte dump allocated {allocated} bytes");
    }
}
