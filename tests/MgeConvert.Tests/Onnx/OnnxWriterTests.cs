using MgeConvert.Formats.Onnx;
using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Tests.Onnx;

public sealed class OnnxWriterTests
{
    private static readonly Shape XShape = new(1, 2, 3, 3);

    [Fact]
    public void OpsTheOpsetCannotExpressAreRefusedTogetherBeforeAnyFileIsWritten()
    {
        var b = new GraphBuilder();
        var x = b.Input("x", DataType.Float32, XShape);
        b.Output(b.Apply(new Gelu(), b.Apply(new Unary(UnaryFunction.Round), x)));
        var path = Path.Combine(Path.GetTempPath(), $"refused-{Guid.NewGuid():N}.onnx");
        var e = Assert.Throws<UnsupportedOpsException>(() => new OnnxWriter().Prepare(b.Graph, new ConversionOptions { Output = path, Opset = 8 }));
        Assert.Equal(["Round", "Gelu"], e.Ops.Select(o => o.OpType));
        Assert.Contains("Round needs opset 11 or later (target opset 8)", e.Message);
        Assert.Contains("GELU (Erf) needs opset 9 or later", e.Message);
        Assert.False(File.Exists(path));
        Assert.Throws<ModelFormatException>(() => new OnnxWriter().Prepare(b.Graph, new ConversionOptions { Output = path, Opset = 6 }));
    }

    [Theory]
    [InlineData(13, "HardSigmoid,Mul")]
    [InlineData(14, "HardSwish")]
    public void HardSwishIsDecomposedBeforeOpset14(int opset, string expectedOps)
    {
        var graph = UnaryGraph(b => new Unary(UnaryFunction.HardSwish));
        var bytes = OnnxWriter.Serialize(graph, new ConversionOptions { Opset = opset });
        Assert.Equal(expectedOps, string.Join(",", OnnxModels.Parse(bytes).Graph.Node.Select(n => n.OpType)));
        AssertRunsLike(bytes, v => v * Math.Clamp(v + 3, 0, 6) / 6);
    }

    [Theory]
    [InlineData(13, false)]
    [InlineData(20, false)]
    [InlineData(13, true)]
    [InlineData(20, true)]
    public void GeluIsDecomposedBeforeOpset20(int opset, bool tanh)
    {
        var bytes = OnnxWriter.Serialize(UnaryGraph(_ => new Gelu(tanh)), new ConversionOptions { Opset = opset });
        var ops = OnnxModels.Parse(bytes).Graph.Node.Select(n => n.OpType).ToList();
        Assert.Equal(opset >= 20, ops.SequenceEqual(["Gelu"]));
        AssertRunsLike(bytes, v => tanh
            ? 0.5 * v * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (v + (0.044715 * v * v * v))))
            : 0.5 * v * (1 + Erf(v / Math.Sqrt(2))), 1e-5);
    }

    [Fact]
    public void FusedActivationIsEmittedAsASeparateNode()
    {
        var b = new GraphBuilder();
        var x = b.Input("x", DataType.Float32, XShape);
        var w = b.Constant("w", Tensor.FromFloats(new Shape(2, 2, 1, 1), 1, -2, 3, 4));
        b.Output(b.Apply(new Conv([1, 1], [0, 0, 0, 0], [1, 1], 1, FusedActivation.Relu6), x, w));
        var bytes = OnnxWriter.Serialize(b.Graph, new ConversionOptions { Opset = 13 });
        var model = OnnxModels.Parse(bytes);
        Assert.Equal(["Conv", "Clip"], model.Graph.Node.Select(n => n.OpType));
        var input = OnnxModels.Random(18, 3);
        var result = Run(bytes, input);
        for (var i = 0; i < 9; i++)
        {
            Assert.Equal(Math.Clamp((input[i] * 1f) + (input[i + 9] * -2f), 0f, 6f), (float)result[i], 5);
            Assert.Equal(Math.Clamp((input[i] * 3f) + (input[i + 9] * 4f), 0f, 6f), (float)result[i + 9], 5);
        }
    }

    [Fact]
    public void QuantizedCastsBecomeQuantizeAndDequantizeLinear()
    {
        var graph = UnaryGraph(b => new Cast(DataType.Quantized(ElementType.UInt8, 0.05f, 128)), then: new Cast(DataType.Float32));
        var bytes = OnnxWriter.Serialize(graph, new ConversionOptions { Opset = 13 });
        Assert.Equal(["QuantizeLinear", "DequantizeLinear"], OnnxModels.Parse(bytes).Graph.Node.Select(n => n.OpType));
        AssertRunsLike(bytes, v => (Math.Clamp(Math.Round(v / 0.05f, MidpointRounding.ToEven) + 128, 0, 255) - 128) * 0.05f, 1e-6);
    }

    [Fact]
    public void ModelCarriesProducerGraphNameOpsetAndNoInitializerInputs()
    {
        var b = new GraphBuilder();
        var x = b.Input("x", DataType.Float32, XShape);
        b.Output(b.Apply(new Reshape([1, -1]), b.Apply(new Binary(BinaryFunction.Add), x, b.Constant("bias", Tensor.Scalar(1f)))));
        var model = OnnxModels.Parse(OnnxWriter.Serialize(b.Graph, new ConversionOptions { Opset = 9, GraphName = "net" }));
        Assert.Equal("mgeconvert-dotnet", model.ProducerName);
        Assert.Equal("net", model.Graph.Name);
        Assert.Equal(9, Assert.Single(model.OpsetImport).Version);
        Assert.Equal(["x"], model.Graph.Input.Select(i => i.Name));
        Assert.Equal(["bias", "reshape_shape"], model.Graph.Initializer.Select(i => i.Name));
    }

    private static Graph UnaryGraph(Func<GraphBuilder, Op> op, Op? then = null)
    {
        var b = new GraphBuilder();
        var y = b.Apply(op(b), b.Input("x", DataType.Float32, XShape));
        b.Output(then is null ? y : b.Apply(then, y));
        return b.Graph;
    }

    private static double[] Run(byte[] model, float[] input)
    {
        var feeds = new Dictionary<string, Tensor> { ["x"] = Tensor.FromFloats(XShape, input) };
        var output = OnnxModels.Parse(model).Graph.Output[0].Name;
        return OrtRunner.Run(model, feeds, [output])[output].ToDoubles();
    }

    private static void AssertRunsLike(byte[] model, Func<float, double> expected, double tolerance = 1e-6)
    {
        var input = OnnxModels.Random(18, 7);
        var actual = Run(model, input);
        for (var i = 0; i < input.Length; i++)
        {
            Assert.True(Math.Abs(actual[i] - expected(input[i])) <= tolerance, $"x={input[i]}: {actual[i]} vs {expected(input[i])}");
        }
    }

    /// <summary>Abramowitz–Stegun 7.1.26 is too coarse here; a series/continued-fraction pair accurate to ~1e-12.</summary>
    private static double Erf(double x)
    {
        var t = Math.Abs(x);
        double result;
        if (t < 3)
        {
            double sum = t, term = t;
            for (var n = 1; n < 100; n++)
            {
                term *= -t * t / n;
                sum += term / ((2 * n) + 1);
            }

            result = 2 / Math.Sqrt(Math.PI) * sum;
        }
        else
        {
            double f = 0;
            for (var n = 60; n >= 1; n--)
            {
                f = n / 2.0 / (t + f);
            }

            result = 1 - (Math.Exp(-t * t) / Math.Sqrt(Math.PI) / (t + f));
        }

        return x < 0 ? -result : result;
    }
}
