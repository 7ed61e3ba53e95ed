using Google.FlatBuffers;
using MgeConvert.IO;

namespace MgeConvert.Tests.Robustness;

/// <summary>Holes reserved in a FlatBuffer builder end up holding exactly their payloads, also when the builder grows.</summary>
public sealed class HollowBufferTests
{
    [Theory]
    [InlineData(1 << 20)]
    [InlineData(64)]
    public void WrittenBytesEqualABuilderThatCopiedEveryPayload(int capacity)
    {
        var payloads = new[] { 5000, 3, 70000, 4096 }.Select((n, k) => Enumerable.Range(0, n).Select(i => (byte)((i * 31) + k)).ToArray()).ToArray();

        var hollow = HollowBuffer.NewBuilder(capacity);
        var holes = new List<(int FromEnd, HollowBuffer.Payload Data)>();
        var full = new FlatBufferBuilder(16);
        var hollowVectors = new List<VectorOffset>();
        var fullVectors = new List<VectorOffset>();
        foreach (var bytes in payloads)
        {
            hollow.AddInt(7);
            full.AddInt(7);
            hollowVectors.Add(HollowBuffer.Reserve(hollow, HollowBuffer.Payload.Of(bytes), 16, holes));
            full.StartVector(1, bytes.Length, 16);
            full.Add(bytes);
            fullVectors.Add(full.EndVector());
        }

        Finish(hollow, hollowVectors);
        Finish(full, fullVectors);
        var expected = full.SizedByteArray();
        var buffer = HollowBuffer.Finish(hollow, holes);

        using var stream = new MemoryStream();
        buffer.WriteTo(stream);
        Assert.Equal(expected, stream.ToArray());
        Assert.Equal(expected, buffer.ToArray());
        Assert.Equal(expected.Length, buffer.Length);
    }

    private static void Finish(FlatBufferBuilder builder, List<VectorOffset> vectors)
    {
        builder.StartVector(4, vectors.Count, 4);
        for (var i = vectors.Count - 1; i >= 0; i--)
        {
            builder.AddOffset(vectors[i].Value);
        }

        var list = builder.EndVector();
        builder.StartTable(1);
        builder.AddOffset(0, list.Value, 0);
        builder.Finish(builder.EndTable());
    }
}
