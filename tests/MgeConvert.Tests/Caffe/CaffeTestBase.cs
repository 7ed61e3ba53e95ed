using MgeConvert.Ir;
using MgeConvert.Tests.Support;
using Xunit.Abstractions;

namespace MgeConvert.Tests.Caffe;

/// <summary>Shared helpers: graph building from <see cref="Nd"/> data and checking OpenCV's results.</summary>
public abstract class CaffeTestBase(ITestOutputHelper output) : IDisposable
{
    internal OpenCvCaffe Caffe { get; } = new();

    protected ITestOutputHelper Log { get; } = output;

    public void Dispose()
    {
        Caffe.Dispose();
        GC.SuppressFinalize(this);
    }

    internal static Value Input(GraphBuilder b, string name, Nd x) => b.Input(name, DataType.Float32, new Shape(x.LongShape));

    internal static Value Const(GraphBuilder b, string name, Nd x) => b.Constant(name, Tensor.FromFloats(new Shape(x.LongShape), x.Data));

    internal static Value Const(GraphBuilder b, string name, float[] data) => b.Constant(name, Tensor.FromFloats(new Shape(data.Length), data));

    /// <summary>Converts and runs the graph, then compares every output with |Δ| ≤ 1e-5 + 1e-5·|ref|.</summary>
    internal void Check(GraphBuilder b, Nd[] inputs, Nd[] expected, ConversionOptions? options = null)
    {
        float[][] outputs;
        try
        {
            outputs = Caffe.Run(b.Graph, [.. inputs.Select(i => i.Data)], options);
        }
        finally
        {
            Log.WriteLine(Caffe.PrototxtText);
        }

        for (var i = 0; i < expected.Length; i++)
        {
            var reference = Tensor.FromFloats(new Shape(expected[i].LongShape), expected[i].Data);
            var actual = Array.ConvertAll(outputs[i], v => (double)v);
            Log.WriteLine($"{b.Graph.Outputs[i].Name}: {actual.Length} values, max |Δ| = {NumericAssert.MaxAbsDiff(reference, actual):E2}");
            NumericAssert.Close(reference, actual, 1e-5, 1e-5, b.Graph.Outputs[i].Name);
        }
    }

    internal static Nd Relu(Nd x) => Reference.Map(x, v => Math.Max(v, 0));
}
