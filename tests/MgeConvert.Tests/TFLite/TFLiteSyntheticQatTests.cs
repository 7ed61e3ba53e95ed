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
        var bytes = ConvertAndCompare(QatConv, Output.Scale);

        Assert.Empty(QuantizedTfliteTests.IntegerProblems(bytes));
        var conv = TFLiteFlagTests.Operators(bytes).Single(o => o.Code == BuiltinOperator.CONV_2D);
        Assert.Equal([TensorType.UINT8, TensorType.UINT8, TensorType.INT32], conv.Inputs.Select(t => t.Type));
        Assert.Equal(128, conv.Inputs[1].Quantization!.Value.ZeroPoint(0));
        Assert.Equal(TensorType.UINT8, conv.Output.Type);
    }

    [Fact]
    public void SigmoidWithTheFixedOutputRangeIsAnInt8Logistic()
    {
        var bytes = ConvertAndCompare(() => QatSigmoid(1f / 256, -128), 1f / 256);

        Assert.Empty(QuantizedTfliteTests.IntegerProblems(bytes));
        Assert.Equal(TensorType.INT8, TFLiteFlagTests.Operators(bytes).Single(o => o.Code == BuiltinOperator.LOGISTIC).Output.Type);
    }

    [Fact]
    public void SigmoidWithOtherOutputParametersStaysFloatBetweenQuantizeOps()
    {
        var bytes = ConvertAndCompare(() => QatSigmoid(0.01f, 0), 0.01f);

        var logistic = TFLiteFlagTests.Operators(bytes).Single(o => o.Code == BuiltinOperator.LOGISTIC);
        Assert.Equal(TensorType.FLOAT32, logistic.Output.Type);
    }

    /// <summary>Writes the --require_quantize model of the graph and compares LiteRT with the fake-quantized IR graph.</summary>
    private static byte[] ConvertAndCompare(Func<Graph> build, float step)
    {
        var x = RandomInput();
        var reference = build();
        new MaterializeFakeQuant().Run(reference, new PassContext());
        var expected = ReferenceInterpreter.Run(reference, new Dictionary<string, Tensor> { ["x"] = x })["y"].ToDoubles();

        var graph = build();
        using var temp = new Cli.TempDirectory();
        var options = new ConversionOptions { Output = temp.File("q.tflite"), RequireQuantize = true };
        PassPipeline.Standard(ModelFormat.TFLite, options).Run(graph);
        var file = new TFLiteWriter().Prepare(graph, options).Single();
        AtomicFile.Write(file.Path, file.WriteTo);

        var result = LiteRtOracle.Run([new LiteRtRun(file.Path, [("float32", [1, 3, 6, 6], x.ToDoubles())])])[0];
        Assert.Null(result.Error);
        var actual = result.Outputs[0].Data;
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= step * 1.0001, $"[{i}] {actual[i]} vs {expected[i]}");
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

    private static Graph QatConv()
    {
        var random = new Random(7);
        var b = new GraphBuilder("u8");
        var x = b.Input("x", DataType.Float32, new Shape(1, 3, 6, 6));
        QuantAnnotations.Set(x, Input);
        var w = b.Constant("w", Tensor.FromFloats(new Shape(4, 3, 3, 3), [.. Enumerable.Range(0, 108).Select(_ => (random.Next(-127, 128)) * 0.01f)]));
        QuantAnnotations.Set(w, Weight);
        var bias = b.Constant("b", Tensor.FromFloats(new Shape(4), 0.3f, -0.2f, 0.05f, 0f));
        var y = b.ApplyNamed("conv", ["y"], new Conv([1, 1], [1, 1, 1, 1], [1, 1]), x, w, bias)[0];
        QuantAnnotations.Set(y, Output);
        b.Output(y);
        return b.Graph;
    }

    private static Tensor RandomInput()
    {
        var random = new Random(3);
        return Tensor.FromFloats(new Shape(1, 3, 6, 6), [.. Enumerable.Range(0, 108).Select(_ => (float)((random.NextDouble() * 12) - 6))]);
    }
}
