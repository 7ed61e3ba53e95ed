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

    /// <summary>
    /// mge_to_onnx on a 100 MB dump holds at most about twice the model: the file buffer (weights are slices of
    /// it) plus one copy in the ONNX message being written.
    /// </summary>
    [Fact]
    public void ConvertingA100MegabyteModelAllocatesAboutTwiceItsSize()
    {
        const int elements = 25 * 1024 * 1024;
        var g = new MgeTestGraph();
        var x = g.Input("x", 1, elements);
        var w = g.Constant(new float[elements], 1, elements);
        var bytes = g.Finish(g.Elemwise(ElemwiseMode.ADD, x, w));
        using var temp = new Cli.TempDirectory();
        var input = temp.File("large.mge");
        File.WriteAllBytes(input, bytes);

        // The conversion runs on this thread; other test classes may allocate concurrently on theirs.

        var before = GC.GetAllocatedBytesForCurrentThread();
        new Converter().Convert(Formats.ModelFormat.Mge, Formats.ModelFormat.Onnx, input, new ConversionOptions { Output = temp.File("large.onnx") });
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        var size = new FileInfo(input).Length;
        Assert.True(new FileInfo(temp.File("large.onnx")).Length > elements * 4L, "weights missing from the ONNX file");
        Assert.True(allocated <= (2.0 * size) + (16 << 20), $"converting a {size}-byte model allocated {allocated} bytes ({(double)allocated / size:F2}x)");
    }
}
