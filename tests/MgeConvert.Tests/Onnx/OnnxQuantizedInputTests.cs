using MgeConvert.Formats.Onnx;
using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Tests.Onnx;

/// <summary>An integer graph input that the model only dequantizes is a quantized input of the IR.</summary>
public class OnnxQuantizedInputTests
{
    private static OnnxModels Dequantizing(string zeroPointName)
    {
        var model = new OnnxModels(13)
            .Input("x", ElementType.Int8, 1, 4)
            .Initializer("scale", Tensor.Scalar(0.25f))
            .Initializer("zero", new Tensor(DataType.Int8, Shape.Scalar, new byte[] { 3 }))
            .Initializer("other_zero", new Tensor(DataType.Int8, Shape.Scalar, new byte[] { 3 }))
            .Node("DequantizeLinear", "dq", ["x", "scale", "zero"], ["y"])
            .Node("DequantizeLinear", "dq2", ["x", "scale", zeroPointName], ["z"])
            .Output("y", 1, 4)
            .Output("z", 1, 4);
        return model;
    }

    [Fact]
    public void InputReadOnlyByTheSameDequantizeTakesItsQuantization()
    {
        var graph = Dequantizing("zero").Read().Graph;

        var input = Assert.Single(graph.Inputs);
        Assert.Equal(DataType.Quantized(ElementType.Int8, 0.25f, 3), input.DType);
        Assert.All(graph.Nodes, n => Assert.Equal(DataType.Float32, n.Output.DType));
    }

    [Fact]
    public void InputDequantizedWithOtherOperandsStaysAnIntegerInputAndIsReported()
    {
        var e = Assert.Throws<UnsupportedOpsException>(() => Dequantizing("other_zero").Read());

        Assert.Contains("DequantizeLinear", e.Message, StringComparison.Ordinal);
        Assert.Contains("quantization parameters", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OurQuantizedInputExportRunsInOrtAndReadsBackQuantized()
    {
        var quantized = new DataType(ElementType.Int8, new QuantParams(0.125f));
        var b = new GraphBuilder("g");
        var x = b.Input("x", quantized, new Shape(1, 4));
        b.Output(b.Apply(new Unary(UnaryFunction.Relu), b.Apply(new Cast(DataType.Float32), x)));
        var onnx = OnnxWriter.Serialize(b.Graph, new ConversionOptions { Opset = 13 });

        var graph = OnnxReader.Read("q.onnx", onnx).Graph;

        Assert.Equal(quantized, graph.Inputs[0].DType);
        var input = new Tensor(new DataType(ElementType.Int8), new Shape(1, 4), new sbyte[] { -8, -1, 0, 16 }.Select(v => (byte)v).ToArray());
        var ort = OrtRunner.Run(onnx, new Dictionary<string, Tensor> { ["x"] = input }, [graph.Outputs[0].Name]);
        Assert.Equal([0f, 0f, 0f, 2f], ort[graph.Outputs[0].Name].ToFloats());
    }
}
