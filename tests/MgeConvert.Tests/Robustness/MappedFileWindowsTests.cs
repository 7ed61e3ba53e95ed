using System.Buffers;
using MgeConvert.Formats;
using MgeConvert.Formats.Onnx;
using MgeConvert.Ir;
using MgeConvert.IO;
using MgeConvert.Tests.Cli;

namespace MgeConvert.Tests.Robustness;

/// <summary>A file read through released memory-map windows reads as the file, in any order, and ONNX models parse from it.</summary>
public sealed class MappedFileWindowsTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(4 << 20)]
    [InlineData((9 << 20) + 12345)]
    public void TheSequenceHoldsTheFileEvenAfterWindowsWereReleased(int length)
    {
        using var dir = new TempDirectory();
        var path = dir.File("data.bin");
        var bytes = Enumerable.Range(0, length).Select(i => (byte)((i * 7) + (i >> 12))).ToArray();
        File.WriteAllBytes(path, bytes);

        using var stream = File.OpenRead(path);
        using var windows = MappedFileWindows.Open(stream);

        Assert.Equal(bytes, windows.Sequence.ToArray());
        // Again, from the start: the windows released on the way are read back from the file.
        Assert.Equal(bytes, windows.Sequence.ToArray());
        Assert.Equal(bytes.Length, windows.Sequence.Length);
    }

    [Fact]
    public void AnOnnxModelSpanningManyWindowsParsesLikeItsBytes()
    {
        using var dir = new TempDirectory();
        var b = new GraphBuilder("wide");
        var x = b.Input("x", DataType.Float32, Shape.Of(1, 1000));
        var weight = b.Constant("w", Support.GraphCheck.RandomFloats(new Random(3), Shape.Of(1000, 4000)));
        b.Output(b.Apply(new MgeConvert.Ir.Ops.MatMul(), x, weight));
        var path = dir.File("wide.onnx");
        File.WriteAllBytes(path, OnnxWriter.Serialize(b.Graph, new ConversionOptions()));

        var fromFile = new OnnxReader().Read(path, new ConversionOptions()).Graph;
        var fromBytes = OnnxReader.Read(path, File.ReadAllBytes(path)).Graph;

        Assert.True(new FileInfo(path).Length > 3 * (4 << 20));
        Assert.Equal(Constant(fromBytes).ToArray(), Constant(fromFile).ToArray());
        Assert.Equal(weight.Constant!.Bytes.ToArray(), Constant(fromFile).ToArray());
    }

    private static ReadOnlyMemory<byte> Constant(Graph graph) => graph.Constants().Single(v => v.Shape.Equals(Shape.Of(1000, 4000))).Constant!.Bytes;
}
