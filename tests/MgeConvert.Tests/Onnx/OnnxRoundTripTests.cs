using MgeConvert.Formats.Onnx;
using Xunit.Abstractions;

namespace MgeConvert.Tests.Onnx;

/// <summary>IR → ONNX → IR → ONNX must give the same bytes, for every corpus model the converter handles.</summary>
public sealed class OnnxRoundTripTests(ITestOutputHelper output)
{
    [Fact]
    public void CorpusRoundTripsByteIdentically()
    {
        var converted = 0;
        var different = new List<string>();
        foreach (var dir in OnnxCorpus.Sets.SelectMany(OnnxCorpus.Models))
        {
            var path = Path.Combine(dir, "model.onnx");
            var bytes = File.ReadAllBytes(path);
            byte[] first;
            var options = new ConversionOptions { Opset = (int)Math.Clamp(OnnxReader.DefaultOpset(OnnxReader.Parse(path, bytes)) ?? 0, OnnxWriter.MinOpset, OnnxWriter.MaxOpset) };
            try
            {
                first = OnnxWriter.Serialize(OnnxReader.Read(path, bytes).Graph, options, path);
            }
            catch (ModelFormatException)
            {
                continue;
            }

            converted++;
            var second = OnnxWriter.Serialize(OnnxReader.Read(path + " (converted)", first).Graph, options, path);
            if (!first.AsSpan().SequenceEqual(second))
            {
                different.Add(Path.GetRelativePath(OnnxCorpus.Root, dir));
            }
        }

        output.WriteLine($"{converted} models converted, {converted - different.Count} byte-identical after a second round trip, {different.Count} different");
        foreach (var d in different)
        {
            output.WriteLine($"  DIFFERENT {d}");
        }

        Assert.True(converted > 500, $"only {converted} corpus models converted");
        Assert.Empty(different);
    }

    [Fact]
    public void WritingTwiceGivesIdenticalBytes()
    {
        var path = Path.Combine(OnnxCorpus.Root, "pytorch-converted", "test_Conv2d", "model.onnx");
        var graph = OnnxReader.Read(path, File.ReadAllBytes(path)).Graph;
        var options = new ConversionOptions { Opset = 13, GraphName = "g" };
        Assert.Equal(OnnxWriter.Serialize(graph, options), OnnxWriter.Serialize(graph, options));
    }
}
