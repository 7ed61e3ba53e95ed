using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using Xunit.Abstractions;

namespace MgeConvert.Tests.Caffe;

public class CaffeTensorTests(ITestOutputHelper output) : CaffeTestBase(output)
{
    [Theory]
    [InlineData(1)]
    [InlineData(-1)]
    [InlineData(2)]
    public void SoftmaxOnAxis(int axis)
    {
        var x = Reference.Map(Nd.Random(40, 2, 3, 4, 5), v => v * 3);
        var b = new GraphBuilder("softmax");
        b.Output(b.Apply(new Softmax(axis), Input(b, "x", x)));

        Check(b, [x], [Reference.Softmax(x, axis < 0 ? axis + 4 : axis)]);
    }

    [Fact]
    public void SoftmaxOnLastAxisOf2D()
    {
        var x = Reference.Map(Nd.Random(41, 3, 10), v => v * 3);
        var b = new GraphBuilder("softmax2d");
        b.Output(b.Apply(new Softmax(-1), Input(b, "x", x)));

        Check(b, [x], [Reference.Softmax(x, 1)]);
    }

    [Fact]
    public void ConcatOnChannels()
    {
        var x = Nd.Random(42, 1, 2, 3, 3);
        var y = Nd.Random(43, 1, 4, 3, 3);
        var b = new GraphBuilder("concat");
        b.Output(b.Apply(new Concat(1), Input(b, "x", x), Input(b, "y", y)));

        Check(b, [x, y], [new Nd([.. x.Data[..18], .. y.Data[..36]], [1, 6, 3, 3])]);
    }

    [Fact]
    public void FlattenThenLinear()
    {
        var x = Nd.Random(44, 2, 3, 2, 2);
        var w = Nd.Random(45, 5, 12);
        var bias = Nd.Random(46, 5).Data;
        var b = new GraphBuilder("flatten_linear");
        var flat = b.Apply(new Flatten(1), Input(b, "x", x));
        b.Output(b.Apply(new Gemm(TransB: true), flat, Const(b, "w", w), Const(b, "b", bias)));

        Check(b, [x], [Reference.Linear(new Nd(x.Data, [2, 12]), w, bias)]);
    }

    [Fact]
    public void MatMulWithConstantWeightAndFusedRelu()
    {
        var x = Nd.Random(47, 3, 6);
        var wt = Nd.Random(48, 6, 4);
        var b = new GraphBuilder("matmul");
        var mm = b.Apply(new MatMul(), Input(b, "x", x), Const(b, "w", wt));
        b.Output(b.Apply(new Gemm(Activation: FusedActivation.Relu, TransB: true), mm, Const(b, "w2", Nd.Random(49, 2, 4)), Const(b, "b2", [0.5f, -0.5f])));

        var hidden = Reference.Linear(x, Reference.Transpose(wt, [1, 0]), null);
        Check(b, [x], [Relu(Reference.Linear(hidden, Nd.Random(49, 2, 4), [0.5f, -0.5f]))]);
    }

    [Fact]
    public void ReshapeAndTranspose()
    {
        var x = Nd.Random(50, 2, 3, 4);
        var b = new GraphBuilder("reshape_transpose");
        var r = b.Apply(new Reshape([2, 12]), Input(b, "x", x));
        var t = b.Apply(new Transpose([1, 0]), b.Apply(new Reshape([4, 6]), r));
        b.Output(b.Apply(new Unary(UnaryFunction.Sigmoid), t));

        Check(b, [x], [Reference.Map(Reference.Transpose(new Nd(x.Data, [4, 6]), [1, 0]), v => 1 / (1 + Math.Exp(-v)))]);
    }

    [Fact]
    public void Permute4D()
    {
        var x = Nd.Random(51, 1, 2, 3, 4);
        var b = new GraphBuilder("permute");
        b.Output(b.Apply(new Transpose([0, 2, 3, 1]), Input(b, "x", x)));

        Check(b, [x], [Reference.Transpose(x, [0, 2, 3, 1])]);
    }

    [Fact]
    public void SliceMiddleOfTwoAxes()
    {
        var x = Nd.Random(52, 1, 4, 5, 5);
        var b = new GraphBuilder("slice");
        b.Output(b.Apply(new Slice([1, 2], [3, long.MaxValue], [1, 3], [1, 1]), Input(b, "x", x)));

        var expected = new List<float>();
        for (var c = 1; c < 3; c++)
        {
            for (var h = 0; h < 5; h++)
            {
                for (var w = 2; w < 5; w++)
                {
                    expected.Add(x.Data[(c * 25) + (h * 5) + w]);
                }
            }
        }

        Check(b, [x], [new Nd([.. expected], [1, 2, 5, 3])]);
    }

    [Fact]
    public void SplitIntoPieces()
    {
        var x = Nd.Random(53, 1, 6, 2);
        var b = new GraphBuilder("split");
        var parts = b.ApplyMulti(new Split(1, [2, 4]), Input(b, "x", x));
        b.Output(b.Apply(new Unary(UnaryFunction.Tanh), parts[0]));
        b.Output(b.Apply(new Unary(UnaryFunction.Abs), parts[1]));

        Check(b, [x], [Reference.Map(new Nd(x.Data[..4], [1, 2, 2]), Math.Tanh), Reference.Map(new Nd(x.Data[4..], [1, 4, 2]), Math.Abs)]);
    }

    [Theory]
    [InlineData(ReduceKind.Mean, true)]
    [InlineData(ReduceKind.Sum, false)]
    [InlineData(ReduceKind.SumSquare, true)]
    [InlineData(ReduceKind.L1, false)]
    public void ReduceTrailingAxes(ReduceKind kind, bool keepDims)
    {
        var x = Nd.Random(54, 2, 3, 4);
        var b = new GraphBuilder("reduce");
        b.Output(b.Apply(new Reduce(kind, [1, 2], keepDims), Input(b, "x", x)));

        var expected = new float[2];
        for (var i = 0; i < 2; i++)
        {
            var part = x.Data[(i * 12)..((i + 1) * 12)];
            expected[i] = kind switch
            {
                ReduceKind.Mean => part.Average(),
                ReduceKind.Sum => part.Sum(),
                ReduceKind.SumSquare => part.Sum(v => v * v),
                _ => part.Sum(Math.Abs),
            };
        }

        Check(b, [x], [new Nd(expected, keepDims ? [2, 1, 1] : [2])]);
    }

    [Fact]
    public void ReduceMaxOverSpatialAxesIsGlobalPooling()
    {
        var x = Nd.Random(55, 1, 3, 4, 4);
        var b = new GraphBuilder("reduce_max");
        b.Output(b.Apply(new Reduce(ReduceKind.Max, [2, 3], KeepDims: false), Input(b, "x", x)));

        Check(b, [x], [new Nd([.. Enumerable.Range(0, 3).Select(c => x.Data[(c * 16)..((c + 1) * 16)].Max())], [1, 3])]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void BatchNorm(bool fuseBn)
    {
        var x = Nd.Random(56, 2, 3, 4, 4);
        var (gamma, beta, mean) = (Nd.Random(57, 3).Data, Nd.Random(58, 3).Data, Nd.Random(59, 3).Data);
        var variance = Reference.Map(Nd.Random(60, 3), v => v + 1.5).Data;
        var b = new GraphBuilder("bn");
        b.Output(b.Apply(new BatchNorm(1e-3f), Input(b, "x", x), Const(b, "gamma", gamma), Const(b, "beta", beta), Const(b, "mean", mean), Const(b, "var", variance)));

        Check(b, [x], [Reference.BatchNorm(x, gamma, beta, mean, variance, 1e-3f)], Caffe.Options(fuseBn: fuseBn));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ConvThenBatchNorm(bool fuseBn)
    {
        var x = Nd.Random(61, 1, 2, 5, 5);
        var w = Nd.Random(62, 3, 2, 3, 3);
        var (gamma, beta, mean) = (Nd.Random(63, 3).Data, Nd.Random(64, 3).Data, Nd.Random(65, 3).Data);
        var variance = Reference.Map(Nd.Random(66, 3), v => v + 1.5).Data;
        var b = new GraphBuilder("conv_bn");
        var conv = b.Apply(new Conv([1, 1], [1, 1, 1, 1], [1, 1]), Input(b, "x", x), Const(b, "w", w));
        b.Output(b.Apply(new BatchNorm(), conv, Const(b, "gamma", gamma), Const(b, "beta", beta), Const(b, "mean", mean), Const(b, "var", variance)));

        var net = Caffe.Write(b.Graph, Caffe.Options(fuseBn: fuseBn));
        Assert.Equal(fuseBn ? ["Input", "Convolution"] : ["Input", "Convolution", "BatchNorm", "Scale"], net.Layer.Select(l => l.Type));
        var conv2 = Reference.Conv2d(x, w, null, [1, 1], [1, 1, 1, 1], [1, 1], 1);
        Check(b, [x], [Reference.BatchNorm(conv2, gamma, beta, mean, variance, 1e-5f)], Caffe.Options(fuseBn: fuseBn));
    }

    [Theory]
    [InlineData(ReduceKind.Min)]
    [InlineData(ReduceKind.Max)]
    [InlineData(ReduceKind.Mean)]
    public void ReduceMiddleAxis(ReduceKind kind)
    {
        var x = Nd.Random(67, 2, 3, 4);
        var b = new GraphBuilder("reduce_middle");
        b.Output(b.Apply(new Reduce(kind, [1], KeepDims: false), Input(b, "x", x)));

        var expected = new float[8];
        for (var i = 0; i < 2; i++)
        {
            for (var k = 0; k < 4; k++)
            {
                var column = Enumerable.Range(0, 3).Select(j => x.Data[(i * 12) + (j * 4) + k]).ToArray();
                expected[(i * 4) + k] = kind switch { ReduceKind.Min => column.Min(), ReduceKind.Max => column.Max(), _ => column.Average() };
            }
        }

        Check(b, [x], [new Nd(expected, [2, 4])]);
    }

    [Fact]
    public void TileAndExpandRepeatTheInput()
    {
        var x = Nd.Random(68, 1, 2, 1, 3);
        var b = new GraphBuilder("tile_expand");
        var xv = Input(b, "x", x);
        b.Output(b.Apply(new Tile([2, 1, 1, 2]), xv));
        b.Output(b.Apply(new Expand([2, 4, 3]), xv));

        var tiled = new float[24];
        for (var i = 0; i < 24; i++)
        {
            var c = i / 6 % 2;
            var w = i % 6 % 3;
            tiled[i] = x.Data[(c * 3) + w];
        }

        Check(b, [x], [new Nd(tiled, [2, 2, 1, 6]), Reference.Binary(x, new Nd(new float[24], [1, 2, 4, 3]), (p, _) => p)]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void BatchNorm1d(bool fuseBn)
    {
        var x = Nd.Random(69, 4, 3);
        var (gamma, beta, mean) = (Nd.Random(57, 3).Data, Nd.Random(58, 3).Data, Nd.Random(59, 3).Data);
        var variance = Reference.Map(Nd.Random(60, 3), v => v + 1.5).Data;
        var b = new GraphBuilder("bn1d");
        b.Output(b.Apply(new BatchNorm(), Input(b, "x", x), Const(b, "gamma", gamma), Const(b, "beta", beta), Const(b, "mean", mean), Const(b, "var", variance)));

        Check(b, [x], [Reference.BatchNorm(x, gamma, beta, mean, variance, 1e-5f)], Caffe.Options(fuseBn: fuseBn));
    }

    [Fact]
    public void MatMulOn3DInputUsesInnerProductAxis()
    {
        var x = Nd.Random(75, 2, 3, 6);
        var w = Nd.Random(76, 6, 4);
        var b = new GraphBuilder("matmul3d");
        b.Output(b.Apply(new MatMul(), Input(b, "x", x), Const(b, "w", w)));

        var flat = Reference.Linear(new Nd(x.Data, [6, 6]), Reference.Transpose(w, [1, 0]), null);
        Check(b, [x], [new Nd(flat.Data, [2, 3, 4])]);
    }

    [Fact]
    public void StridedSliceOnTwoAxes()
    {
        var x = Nd.Random(77, 1, 5, 7, 3);
        var b = new GraphBuilder("strided_slice");
        b.Output(b.Apply(new Slice([1, 0], [5, long.MaxValue], [1, 2], [2, 3]), Input(b, "x", x)));

        var expected = new List<float>();
        foreach (var c in new[] { 1, 3 })
        {
            foreach (var h in new[] { 0, 3, 6 })
            {
                for (var w = 0; w < 3; w++)
                {
                    expected.Add(x.Data[(c * 21) + (h * 3) + w]);
                }
            }
        }

        Check(b, [x], [new Nd([.. expected], [1, 2, 3, 3])]);
    }
}
