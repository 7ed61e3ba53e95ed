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
            var original = OnnxReader.Parse(path, bytes);
            bytes = FreezeShapeOperands(dir, original) ?? bytes;
            byte[] first;
            var options = new ConversionOptions { Opset = (int)Math.Clamp(OnnxReader.DefaultOpset(original) ?? 0, OnnxWriter.MinOpset, OnnxWriter.MaxOpset) };
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

    /// <summary>The model with shape operands bound to their test values, as the conformance test runs it; null when there are none.</summary>
    private static byte[]? FreezeShapeOperands(string dir, Formats.Onnx.Proto.ModelProto model)
    {
        var shapeInputs = ShapeOperandFreezer.ShapeInputs(model);
        if (shapeInputs.Count == 0)
        {
            return null;
        }

        var initializers = model.Graph.Initializer.Select(t => t.Name).ToHashSet();
        var names = model.Graph.Input.Select(i => i.Name).Where(n => !initializers.Contains(n)).ToList();
        List<MgeConvert.Ir.Tensor> inputs;
        try
        {
            inputs = OnnxCorpus.Tensors(dir, "input");
        }
        catch (NotSupportedException)
        {
            return null;
        }

        return ShapeOperandFreezer.Freeze(model, names.Zip(inputs).Where(p => shapeInputs.Contains(p.First)).ToDictionary(p => p.First, p => p.Second));
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
