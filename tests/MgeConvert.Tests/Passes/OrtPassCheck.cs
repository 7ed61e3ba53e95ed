using MgeConvert.Formats.Onnx;
using MgeConvert.Ir;
using MgeConvert.Passes;
using MgeConvert.Tests.Onnx;
using MgeConvert.Tests.Support;

namespace MgeConvert.Tests.Passes;

/// <summary>Runs a pass and checks in ONNX Runtime that the graph written before and after it computes the same outputs.</summary>
internal static class OrtPassCheck
{
    /// <summary>Returns the pass's record; asserts every output within 1e-5 abs + 1e-5 rel of the unrewritten graph's.</summary>
    public static PassRecord RunAndCompare(Graph graph, IPass pass, int seed = 1)
    {
        var inputs = GraphCheck.RandomInputs(graph, seed);
        var names = graph.Outputs.Select(o => o.Name).ToList();
        var before = OrtRunner.Run(OnnxWriter.Serialize(graph, new ConversionOptions { Opset = 13 }), inputs, names);
        var record = new PassPipeline(pass) { ValidateAfterEachPass = true }.Run(graph).Records.Single();
        var after = OrtRunner.Run(OnnxWriter.Serialize(graph, new ConversionOptions { Opset = 13 }), inputs, [.. graph.Outputs.Select(o => o.Name)]);
        Assert.Equal(names, graph.Outputs.Select(o => o.Name));
        GraphCheck.AssertSameOutputs(before, after);
        return record;
    }
}
