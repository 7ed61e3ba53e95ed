using System.Runtime.InteropServices;
using Google.FlatBuffers;
using MgeConvert.Formats.TFLite;
using MgeConvert.Formats.TFLite.Schema;
using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using MgeConvert.Tests.Cli;
using Tensor = MgeConvert.Ir.Tensor;

namespace MgeConvert.Tests.TFLite;

/// <summary>Large constants are streamed into holes the flatbuffer builder left for them (see SerializedModel).</summary>
public sealed class TFLiteStreamedPayloadTests
{
    [Fact]
    public void WrittenFileEqualsInMemoryModelAndHoldsEveryWeight()
    {
        // 16×8×3×3 float weights (4.6 KB, streamed) go OIHW → OHWI; the 16-float bias (64 B) is copied into the builder.
        var weights = Enumerable.Range(0, 16 * 8 * 3 * 3).Select(i => (float)Math.Sin(i)).ToArray();
        var bias = Enumerable.Range(0, 16).Select(i => i * 0.25f).ToArray();
        var b = new GraphBuilder("g");
        var x = b.Input("x", DataType.Float32, new Shape(1, 8, 5, 5));
        b.Output(b.Apply(new Conv([1, 1], [1, 1, 1, 1], [1, 1]), x,
            b.Constant("w", Tensor.FromFloats(new Shape(16, 8, 3, 3), weights)), b.Constant("b", Tensor.FromFloats(new Shape(16), bias))));

        using var dir = new TempDirectory();
        var path = dir.File("m.tflite");
        var writer = new TFLiteWriter();
        var files = writer.Prepare(b.Graph, new ConversionOptions { Output = path });
        using (var stream = File.Create(path))
        {
            files.Single().WriteTo(stream);
        }

        var written = File.ReadAllBytes(path);
        Assert.Equal(writer.Convert(b.Graph, new ConversionOptions()), written);
        Assert.Empty(TFLiteVerifier.Check(written));

        var model = Model.GetRootAsModel(new ByteBuffer(written));
        var graph = model.Subgraphs(0)!.Value;
        var tensors = Enumerable.Range(0, graph.TensorsLength).Select(i => graph.Tensors(i)!.Value).ToList();
        var filter = tensors.Single(t => t.GetShapeArray().SequenceEqual([16, 3, 3, 8]));
        var segment = model.Buffers((int)filter.Buffer)!.Value.GetDataBytes()!.Value;
        Assert.Equal(0, segment.Offset % 16);
        var ohwi = MemoryMarshal.Cast<byte, float>(segment.AsSpan()).ToArray();
        for (var o = 0; o < 16; o++)
        {
            for (var i = 0; i < 8; i++)
            {
                for (var k = 0; k < 9; k++)
                {
                    Assert.Equal(weights[(((o * 8) + i) * 9) + k], ohwi[(((o * 9) + k) * 8) + i]);
                }
            }
        }

        var biasTensor = tensors.Single(t => t.GetShapeArray().SequenceEqual([16]));
        Assert.Equal(bias, MemoryMarshal.Cast<byte, float>(model.Buffers((int)biasTensor.Buffer)!.Value.GetDataBytes()!.Value.AsSpan()).ToArray());
    }
}
