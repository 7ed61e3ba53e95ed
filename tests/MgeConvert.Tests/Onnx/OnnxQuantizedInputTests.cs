using MgeConvert.Formats.Onnx;
using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Tests.Onnx;

/// <summary>An ONNX graph input holding quantized integers (int8 fed to DequantizeLinear only) reads as a quantized input.</summary>
public class OnnxQuantizedInputTests
{
    [Fact]
    public void InputOnlyDequantizedTakesTheQuantizedType()
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
