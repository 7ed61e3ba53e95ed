using Google.FlatBuffers;
using MgeConvert.Formats;
using MgeConvert.Formats.TFLite;
using MgeConvert.Formats.TFLite.Schema;
using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using MgeConvert.IO;
using MgeConvert.Passes;
using MgeConvert.Quantization;
using MgeConvert.Reference;
using MgeConvert.Tests.EndToEnd;
using Tensor = MgeConvert.Ir.Tensor;
using TensorType = MgeConvert.Formats.TFLite.Schema.TensorType;

namespace MgeConvert.Tests.TFLite;

/// <summary>
/// QAT graphs no fixture has, built in the IR with their fake-quant annotations: --require_quantize models run in
/// LiteRT within one output step of the fake-quantized float graph.
/// </summary>
public sealed class TFLiteSyntheticQatTests
{
    private static readonly QuantInfo Input = new("quint8", 0, 255, [0.05f], [128]);
    private static readonly QuantInfo Output = new("quint8", 0, 255, [0.1f], [120]);
    private static readonly QuantInfo Weight = new("qint8_narrow", -127, 127, [0.01f], null);

    /// <summary>LiteRT's uint8 kernels need uint8 weights, which the symmetric int8 grid shifted by 128 gives exactly.</summary>
    [Fact]
    public void Quint8ConvolutionRunsOnUint8TensorsWithinOneStep()
    {
        var bytes = ConvertAndCompare(() => QatConv(Input, Output), Output.Scale);

        Assert.Empty(QuantizedTfliteTests.IntegerProblems(bytes));
        var conv = TFLiteFlagTests.Operators(bytes).Single(o => o.Code == BuiltinOperator.CONV_2D);
        Assert.Equal([TensorType.UINT8, TensorType.UINT8, TensorType.INT32], conv.Inputs.Select(t => t.Type));
        Assert.Equal(128, conv.Inputs[1].Quantization!.Value.ZeroPoint(0));
        Assert.Equal(TensorType.UINT8, conv.Output.Type);
    }

    /// <summary>16-bit activations (symmetric) with int8 weights: LiteRT's 16x8 kernels, which need int64 biases.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Int16ConvolutionRunsOnInt16TensorsWithInt64BiasWithOrWithoutTheFlag(bool int64Bias)
    {
        var step = 0.001f;
        var bytes = ConvertAndCompare(() => QatConv(new QuantInfo("int16", -32768, 32767, [0.0005f], null), new QuantInfo("int16", -32768, 32767, [step], null)),
            step, int64Bias);

        Assert.Empty(QuantizedTfliteTests.IntegerProblems(bytes, allowInt64Bias: true));
        var conv = TFLiteFlagTests.Operators(bytes).Single(o => o.Code == BuiltinOperator.CONV_2D);
        Assert.Equal([TensorType.INT16, TensorType.INT8, TensorType.INT64], conv.Inputs.Select(t => t.Type));
        Assert.Equal(TensorType.INT16, conv.Output.Type);
    }

    [Fact]
    public void Int16LinearIsAFullyConnectedWithInt64Bias()
    {
        var bytes = ConvertAndCompare(QatLinear, 0.002f);

        Assert.Empty(QuantizedTfliteTests.IntegerProblems(bytes, allowInt64Bias: true));
        var fc = TFLiteFlagTests.Operators(bytes).Single(o => o.Code == BuiltinOperator.FULLY_CONNECTED);
        Assert.Equal([TensorType.INT16, TensorType.INT8, TensorType.INT64], fc.Inputs.Select(t => t.Type));
    }

    [Fact]
    public void SigmoidWithTheFixedOutputRangeIsAnInt8Logistic()
    {
        var bytes = ConvertAndCompare(() => QatSigmoid(1f / 256, -128), 1f / 256);

        Assert.Empty(QuantizedTfliteTests.IntegerProblems(bytes));
        Assert.Equal(TensorType.INT8, TFLiteFlagTests.Operators(bytes).Single(o => o.Code == BuiltinOperator.LOGISTIC).Output.Type);
    }

    [Fact]
    public void SoftmaxWithTheFixedOutputRangeIsAnInt8Softmax()
    {
        var bytes = ConvertAndCompare(QatSoftmax, 1f / 256);

        Assert.Empty(QuantizedTfliteTests.IntegerProblems(bytes));
        Assert.Equal(TensorType.INT8, TFLiteFlagTests.Operators(bytes).Single(o => o.Code == BuiltinOperator.SOFTMAX).Output.Type);
    }

    [Fact]
    public void SigmoidWithOtherOutputParametersStaysFloatBetweenQuantizeOps()
    {
        var bytes = ConvertAndCompare(() => QatSigmoid(0.01f, 0), 0.01f);

        var logistic = TFLiteFlagTests.Operators(bytes).Single(o => o.Code == BuiltinOperator.LOGISTIC);
        Assert.Equal(TensorType.FLOAT32, logistic.Output.Type);
    }

    /// <summary>Writes the --require_quantize model of the graph and compares LiteRT with the fake-quantized IR graph.</summary>
    private static byte[] ConvertAndCompare(Func<Graph> build, float step, bool int64Bias = false)
    {
        var reference = build();
        var x = RandomInput(reference.Inputs[0].Shape);
        new MaterializeFakeQuant { Include16Bit = true }.Run(reference, new PassContext());
        var expected = ReferenceInterpreter.Run(reference, new Dictionary<string, Tensor> { ["x"] = x })["y"].ToDoubles();

        var graph = build();
        using var temp = new Cli.TempDirectory();
        var options = new ConversionOptions { Output = temp.File("q.tflite"), RequireQuantize = true, UseInt64Bias = int64Bias };
        PassPipeline.Standard(ModelFormat.TFLite, options).Run(graph);
        var file = new TFLiteWriter().Prepare(graph, options).Single();
        AtomicFile.Write(file.Path, file.WriteTo);

        var result = LiteRtOracle.Run([new LiteRtRun(file.Path, [("float32", x.Shape.ToIntArray(), x.ToDoubles())])])[0];
        Assert.Null(result.Error);
        var actual = result.Outputs[0].Data;
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            // One step, plus float32 rounding of the dequantized values.
            Assert.True(Math.Abs(expected[i] - actual[i]) <= (step * 1.0001) + (1e-6 * Math.Abs(expected[i])), $"[{i}] {actual[i]} vs {expected[i]}");
        }

        return File.ReadAllBytes(file.Path);
    }

    private static Graph QatSigmoid(float scale, long zeroPoint)
    {
        var b = new GraphBuilder("sigmoid");
        var x = b.Input("x", DataType.Float32, new Shape(1, 3, 6, 6));
        QuantAnnotations.Set(x, new QuantInfo("qint8", -128, 127, [0.05f], null));
        var y = b.ApplyNamed("sigmoid", ["y"], new Unary(UnaryFunction.Sigmoid), x)[0];
        QuantAnnotations.Set(y, new QuantInfo("qint8", -128, 127, [scale], zeroPoint == 0 ? null : [zeroPoint]));
        b.Output(y);
        return b.Graph;
    }

    private static Graph QatConv(QuantInfo input, QuantInfo output)
    {
        var random = new Random(7);
        var b = new GraphBuilder("u8");
        var x = b.Input("x", DataType.Float32, new Shape(1, 3, 6, 6));
        QuantAnnotations.Set(x, input);
        var w = b.Constant("w", Tensor.FromFloats(new Shape(4, 3, 3, 3), [.. Enumerable.Range(0, 108).Select(_ => (random.Next(-127, 128)) * 0.01f)]));
        QuantAnnotations.Set(w, Weight);
        var bias = b.Constant("b", Tensor.FromFloats(new Shape(4), 0.3f, -0.2f, 0.05f, 0f));
        var y = b.ApplyNamed("conv", ["y"], new Conv([1, 1], [1, 1, 1, 1], [1, 1]), x, w, bias)[0];
        QuantAnnotations.Set(y, output);
        b.Output(y);
        return b.Graph;
    }

    private static Tensor RandomInput(Shape shape)
    {
        var random = new Random(3);
        return Tensor.FromFloats(shape, [.. Enumerable.Range(0, (int)shape.ElementCount).Select(_ => (float)((random.NextDouble() * 12) - 6))]);
    }

    private static Graph QatSoftmax()
    {
        var b = new GraphBuilder("softmax");
        var x = b.Input("x", DataType.Float32, new Shape(2, 10));
        QuantAnnotations.Set(x, new QuantInfo("qint8", -128, 127, [0.05f], null));
        var y = b.ApplyNamed("softmax", ["y"], new Softmax(1), x)[0];
        QuantAnnotations.Set(y, new QuantInfo("qint8", -128, 127, [1f / 256], [-128]));
        b.Output(y);
        return b.Graph;
    }

    private static Graph QatLinear()
    {
        var random = new Random(5);
        var b = new GraphBuilder("linear16");
        var x = b.Input("x", DataType.Float32, new Shape(2, 16));
        QuantAnnotations.Set(x, new QuantInfo("int16", -32768, 32767, [0.0005f], null));
        var w = b.Constant("w", Tensor.FromFloats(new Shape(4, 16), [.. Enumerable.Range(0, 64).Select(_ => random.Next(-127, 128) * 0.01f)]));
        QuantAnnotations.Set(w, Weight);
        var bias = b.Constant("b", Tensor.FromFloats(new Shape(4), 0.3f, -0.2f, 0.05f, 0f));
        var y = b.ApplyNamed("fc", ["y"], new Gemm(TransB: true), x, w, bias)[0];
        QuantAnnotations.Set(y, new QuantInfo("int16", -32768, 32767, [0.002f], null));
        b.Output(y);
        return b.Graph;
    }
}
