using MgeConvert.Formats.Onnx;
using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Tests.Onnx;

/// <summary>IR ops without an ONNX operator of their own, checked in ONNX Runtime against a direct computation.</summary>
public sealed class OnnxWriterLoweringTests
{
    private static readonly Shape XShape = new(1, 2, 4, 4);

    [Theory]
    [InlineData(7)]
    [InlineData(13)]
    [InlineData(21)]
    public void SiluIsXTimesSigmoid(int opset) =>
        AssertUnary(new Unary(UnaryFunction.Silu), opset, v => v / (1 + Math.Exp(-v)));

    [Theory]
    [InlineData(9)]
    [InlineData(13)]
    public void FloatModTakesTheSignOfTheDivisor(int opset) =>
        AssertBinary(BinaryFunction.Mod, opset, (a, b) => a - (Math.Floor(a / b) * b));

    [Theory]
    [InlineData(9)]
    [InlineData(13)]
    public void FloatFloorDivRoundsDown(int opset) =>
        AssertBinary(BinaryFunction.FloorDiv, opset, (a, b) => Math.Floor(a / b));

    [Fact]
    public void IntegerFloorDivIsRefused()
    {
        var b = new GraphBuilder();
        var x = b.Input("x", DataType.Int32, new Shape(3));
        b.Output(b.Apply(new Binary(BinaryFunction.FloorDiv), x, x));
        var e = Assert.Throws<UnsupportedOpsException>(() => OnnxWriter.Serialize(b.Graph, new ConversionOptions()));
        Assert.Contains("integer floor division", e.Message);
    }

    [Fact]
    public void AdaptiveAveragePoolWithEvenWindowsBecomesAveragePool()
    {
        var b = new GraphBuilder();
        b.Output(b.Apply(new AdaptivePool(PoolKind.Average, [2, 2]), b.Input("x", DataType.Float32, XShape)));
        var bytes = OnnxWriter.Serialize(b.Graph, new ConversionOptions { Opset = 13 });
        Assert.Equal("AveragePool", Assert.Single(OnnxModels.Parse(bytes).Graph.Node).OpType);
        var input = OnnxModels.Random(32, 11);
        var actual = Run(bytes, input);
        for (var c = 0; c < 2; c++)
        {
            for (var i = 0; i < 2; i++)
            {
                for (var j = 0; j < 2; j++)
                {
                    var sum = 0.0;
                    for (var di = 0; di < 2; di++)
                    {
                        for (var dj = 0; dj < 2; dj++)
                        {
                            sum += input[(c * 16) + (((2 * i) + di) * 4) + (2 * j) + dj];
                        }
                    }

                    Assert.Equal(sum / 4, actual[(c * 4) + (i * 2) + j], 5);
                }
            }
        }
    }

    private static void AssertUnary(Op op, int opset, Func<double, double> expected)
    {
        var b = new GraphBuilder();
        b.Output(b.Apply(op, b.Input("x", DataType.Float32, XShape)));
        var input = OnnxModels.Random(32, 5);
        var actual = Run(OnnxWriter.Serialize(b.Graph, new ConversionOptions { Opset = opset }), input);
        for (var i = 0; i < input.Length; i++)
        {
            Assert.True(Math.Abs(actual[i] - expected(input[i])) <= 1e-5 + (1e-5 * Math.Abs(expected(input[i]))), $"x={input[i]}: {actual[i]}");
        }
    }

    private static void AssertBinary(BinaryFunction function, int opset, Func<double, double, double> expected)
    {
        var b = new GraphBuilder();
        var divisor = new[] { 1.5f, -2.25f };
        var y = b.Constant("y", Tensor.FromFloats(new Shape(1, 2, 1, 1), divisor));
        b.Output(b.Apply(new Binary(function), b.Input("x", DataType.Float32, XShape), y));
        var input = OnnxModels.Random(32, 9);
        var actual = Run(OnnxWriter.Serialize(b.Graph, new ConversionOptions { Opset = opset }), input);
        for (var i = 0; i < input.Length; i++)
        {
            var want = expected(input[i], divisor[i / 16]);
            Assert.True(Math.Abs(actual[i] - want) <= 1e-5 + (1e-5 * Math.Abs(want)), $"{input[i]} {function} {divisor[i / 16]}: {actual[i]} vs {want}");
        }
    }

    private static double[] Run(byte[] model, float[] input)
    {
        var output = OnnxModels.Parse(model).Graph.Output[0].Name;
        return OrtRunner.Run(model, new Dictionary<string, Tensor> { ["x"] = Tensor.FromFloats(XShape, input) }, [output])[output].ToDoubles();
    }
}
