using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using MgeConvert.Reference;
using MgeConvert.Tests.Support;
using Xunit.Abstractions;

namespace MgeConvert.Tests.Caffe;

/// <summary>Lowerings that save layers, checked in OpenCV against the reference interpreter, with the layers they emit.</summary>
public class CaffeCompactLoweringTests(ITestOutputHelper output) : CaffeTestBase(output)
{
    private static Value Scalar(GraphBuilder b, string name, float value) => b.Constant(name, Tensor.FromFloats(Shape.Of(1), [value]));

    /// <summary>Runs the graph in OpenCV, compares with the interpreter (1e-5 abs + 1e-5 rel); returns the emitted layer types.</summary>
    private string[] CheckLayers(GraphBuilder b, int seed = 1)
    {
        var inputs = GraphCheck.RandomInputs(b.Graph, seed);
        var inputsWide = inputs.ToDictionary(p => p.Key, p => Tensor.FromFloats(p.Value.Shape, [.. p.Value.ToFloats().Select(v => v * 5)]));
        var expected = ReferenceInterpreter.Run(b.Graph, inputsWide);
        var outputs = Caffe.Run(b.Graph, [.. b.Graph.Inputs.Select(i => inputsWide[i.Name].ToFloats())]);
        Log.WriteLine(Caffe.PrototxtText);
        for (var i = 0; i < outputs.Length; i++)
        {
            var name = b.Graph.Outputs[i].Name;
            NumericAssert.Close(expected[name], Array.ConvertAll(outputs[i], v => (double)v), 1e-5, 1e-5, name);
        }

        var net = Formats.Caffe.Proto.NetParameter.Parser.ParseFrom(File.ReadAllBytes(Caffe.CaffeModel));
        return [.. net.Layer.Where(l => l.Type != "Input").Select(l => l.Type)];
    }

    [Fact]
    public void ClipThenDivideEndsInOnePower()
    {
        var b = new GraphBuilder("clip_div");
        var x = b.Input("x", DataType.Float32, Shape.Of(1, 3, 4, 4));
        b.Output(b.Apply(new Binary(BinaryFunction.Div), b.Apply(new Clip(0, 6), x), Scalar(b, "six", 6)));

        Assert.Equal(["ReLU", "Power", "ReLU", "Power"], CheckLayers(b));
    }

    [Fact]
    public void HardSigmoidStartsWithItsLinearPart()
    {
        var b = new GraphBuilder("hard_sigmoid");
        b.Output(b.Apply(new HardSigmoid(1f / 6, 0.5f), b.Input("x", DataType.Float32, Shape.Of(1, 3, 4, 4))));

        Assert.Equal(["Power", "ReLU", "Power", "ReLU"], CheckLayers(b));
    }

    [Fact]
    public void HardSwishGateTakesFourLayers()
    {
        var b = new GraphBuilder("hard_swish");
        b.Output(b.Apply(new Unary(UnaryFunction.HardSwish), b.Input("x", DataType.Float32, Shape.Of(1, 3, 4, 4))));

        Assert.Equal(["Power", "ReLU", "Power", "ReLU", "Eltwise"], CheckLayers(b));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void HardSigmoidAfterAConvolutionFoldsItsLinearPartIntoTheWeights(bool bias)
    {
        var b = new GraphBuilder("conv_hard_sigmoid");
        var x = b.Input("x", DataType.Float32, Shape.Of(1, 3, 6, 6));
        Value[] operands = bias
            ? [x, GraphCheck.RandomConstant(b, "w", 4, 3, 3, 3), GraphCheck.RandomConstant(b, "bias", 4)]
            : [x, GraphCheck.RandomConstant(b, "w", 4, 3, 3, 3)];
        b.Output(b.Apply(new HardSigmoid(1f / 6, 0.5f), b.Apply(new Conv([1, 1], [1, 1, 1, 1], [1, 1]), operands)));

        Assert.Equal(["Convolution", "ReLU", "Power", "ReLU"], CheckLayers(b));
    }

    [Fact]
    public void Relu6AfterALinearLayerStartsWithThePowerItFoldsInto()
    {
        var b = new GraphBuilder("linear_relu6");
        var x = b.Input("x", DataType.Float32, Shape.Of(2, 5));
        var linear = b.Apply(new Gemm(TransB: true), x, GraphCheck.RandomConstant(b, "w", 4, 5), GraphCheck.RandomConstant(b, "c", 4));
        b.Output(b.Apply(new Clip(0, 6), linear));

        Assert.Equal(["InnerProduct", "ReLU", "Power", "ReLU"], CheckLayers(b));
    }

    [Fact]
    public void Relu6AfterABatchNormFoldsItsFirstPowerIntoTheScale()
    {
        var b = new GraphBuilder("bn_relu6");
        var x = b.Input("x", DataType.Float32, Shape.Of(1, 3, 4, 4));
        var bn = b.Apply(new BatchNorm(1e-5f), [x, .. BatchNormParameters.Constants(b, 3, seed: 3)]);
        b.Output(b.Apply(new Clip(0, 6), bn));

        Assert.Equal(["BatchNorm", "Scale", "ReLU", "Power", "ReLU"], CheckLayers(b));
    }

    [Fact]
    public void RowMinusTheMeanOfAnotherInputIsOneInnerProductAndAnEltwise()
    {
        var b = new GraphBuilder("minus_mean");
        var x = b.Input("x", DataType.Float32, Shape.Of(1, 4));
        var y = b.Input("y", DataType.Float32, Shape.Of(1, 5));
        b.Output(b.Apply(new Binary(BinaryFunction.Sub), x, b.Apply(new Reduce(ReduceKind.Mean, []), y)));

        Assert.Equal(["InnerProduct", "Eltwise"], CheckLayers(b));
    }

    [Fact]
    public void SumOfAFeatureMapPlusARowIsOneInnerProductAndAnEltwise()
    {
        var b = new GraphBuilder("sum_plus_row");
        var x = b.Input("x", DataType.Float32, Shape.Of(1, 6));
        var y = b.Input("y", DataType.Float32, Shape.Of(1, 2, 3, 3));
        b.Output(b.Apply(new Binary(BinaryFunction.Sub), b.Apply(new Reduce(ReduceKind.Sum, [1, 2, 3], KeepDims: false), y), x));

        Assert.Equal(["InnerProduct", "Eltwise"], CheckLayers(b));
    }

    [Fact]
    public void ConvolutionReadByOthersKeepsItsWeights()
    {
        var b = new GraphBuilder("shared_conv");
        var x = b.Input("x", DataType.Float32, Shape.Of(1, 2, 5, 5));
        var conv = b.Apply(new Conv([1, 1], [0, 0, 0, 0], [1, 1]), x, GraphCheck.RandomConstant(b, "w", 3, 2, 1, 1));
        b.Output(b.Apply(new Clip(0, 6), conv));
        b.Output(b.Apply(new Unary(UnaryFunction.Abs), conv));

        Assert.Equal(["Convolution", "Power", "ReLU", "Power", "ReLU", "AbsVal"], CheckLayers(b));
    }

    [Theory]
    [InlineData(-1f, 2f)]
    [InlineData(0.5f, float.MaxValue)]
    [InlineData(float.MinValue, 1.5f)]
    public void ClipWithOtherBounds(float min, float max)
    {
        var b = new GraphBuilder("clip");
        b.Output(b.Apply(new Clip(min, max), b.Input("x", DataType.Float32, Shape.Of(2, 3, 5))));

        CheckLayers(b);
    }

    [Theory]
    [InlineData(3L, ReduceKind.Max)]
    [InlineData(2L, ReduceKind.Mean)]
    public void ReductionOfOneSpatialAxisPoolsInPlace(long axis, ReduceKind kind)
    {
        var b = new GraphBuilder("reduce");
        b.Output(b.Apply(new Reduce(kind, [axis]), b.Input("x", DataType.Float32, Shape.Of(1, 3, 4, 5))));

        Assert.Equal(["Pooling"], CheckLayers(b));
    }

    [Fact]
    public void BroadcastOperandReshapedFromItsSourceNeedsNoReshape()
    {
        var b = new GraphBuilder("gate");
        var x = b.Input("x", DataType.Float32, Shape.Of(1, 4, 3, 3));
        var gate = b.Apply(new Unary(UnaryFunction.Sigmoid), b.Input("g", DataType.Float32, Shape.Of(1, 4)));
        b.Output(b.Apply(new Binary(BinaryFunction.Mul), x, b.Apply(new Reshape([1, 4, 1, 1]), gate)));

        Assert.Equal(["Sigmoid", "Scale"], CheckLayers(b));
    }

    [Fact]
    public void ConsecutiveReshapesBecomeOne()
    {
        var b = new GraphBuilder("reshapes");
        var x = b.Input("x", DataType.Float32, Shape.Of(2, 3, 4));
        var flat = b.Apply(new Reshape([6, 4]), b.Apply(new Unary(UnaryFunction.Relu), x));
        var back = b.Apply(new Reshape([2, 3, 4]), b.Apply(new Reshape([2, 12]), flat));
        b.Output(b.Apply(new Unary(UnaryFunction.Sigmoid), b.Apply(new Reshape([4, 6]), back)));

        Assert.Equal(["ReLU", "Reshape", "Sigmoid"], CheckLayers(b));
    }
}
