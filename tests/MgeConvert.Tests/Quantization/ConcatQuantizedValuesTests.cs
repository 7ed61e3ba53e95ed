using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using MgeConvert.Quantization;
using MgeConvert.Tests.Support;

namespace MgeConvert.Tests.Quantization;

public sealed class ConcatQuantizedValuesTests
{
    private static readonly DataType Q = DataType.Quantized(ElementType.Int8, 0.05f, 2);

    private static Value Dequantized(GraphBuilder b, Value x, DataType quant) =>
        b.Apply(new Cast(DataType.Float32), b.Apply(new Cast(quant), x));

    [Fact]
    public void DequantizeConcatQuantizeWithOneQuantizationConcatenatesTheIntegers()
    {
        var b = new GraphBuilder("g");
        var x = b.Input("x", DataType.Float32, Shape.Of(1, 2, 3));
        var y = b.Input("y", DataType.Float32, Shape.Of(1, 4, 3));
        var concat = b.Apply(new Concat(1), Dequantized(b, x, Q), Dequantized(b, y, Q));
        b.Output(b.ApplyNamed("requantize", ["out"], new Cast(Q), concat)[0]);

        var record = GraphCheck.RunAndCompare(b.Graph, new ConcatQuantizedValues());

        Assert.Equal((6, 5), (record.NodesBefore, record.NodesAfter));
        var result = b.Graph.Outputs.Single();
        Assert.Equal(("out", Q), (result.Name, result.DType));
        Assert.Equal(Shape.Of(1, 6, 3), result.Shape);
        Assert.IsType<Concat>(result.Producer!.Op);
        Assert.All(result.Producer.Inputs, v => Assert.Equal(Q, v!.DType));
    }

    [Fact]
    public void OtherQuantizationsAndSharedFloatResultsStay()
    {
        var b = new GraphBuilder("g");
        var x = b.Input("x", DataType.Float32, Shape.Of(2, 3));
        var other = DataType.Quantized(ElementType.Int8, 0.1f, 2);
        b.Output(b.Apply(new Cast(Q), b.Apply(new Concat(0), Dequantized(b, x, Q), Dequantized(b, x, other))));
        var shared = b.Apply(new Concat(0), Dequantized(b, x, Q), Dequantized(b, x, Q));
        b.Output(b.Apply(new Cast(Q), shared));
        b.Output(shared);
        b.Output(b.Apply(new Cast(Q), b.Apply(new Concat(0), Dequantized(b, x, Q), x)));
        var wide = DataType.Quantized(ElementType.Int32, 0.05f, 0);
        b.Output(b.Apply(new Cast(wide), b.Apply(new Concat(0), Dequantized(b, x, wide), Dequantized(b, x, wide))));

        var record = GraphCheck.RunAndCompare(b.Graph, new ConcatQuantizedValues());

        Assert.Equal(record.NodesBefore, record.NodesAfter);
    }
}
