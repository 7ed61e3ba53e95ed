using MgeConvert.Formats.Caffe;
using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using Xunit.Abstractions;

namespace MgeConvert.Tests.Caffe;

public class CaffeWriterTests(ITestOutputHelper output) : CaffeTestBase(output)
{
    private static GraphBuilder SmallNet()
    {
        var b = new GraphBuilder("small");
        var x = b.Input("data", DataType.Float32, Shape.Of(1, 2, 4, 4));
        var conv = b.ApplyNamed("conv1", ["conv1_out"], new Conv([1, 1], [0, 0, 0, 0], [1, 1], Activation: FusedActivation.Relu), x,
            b.Constant("w", Tensor.FromFloats(Shape.Of(2, 2, 1, 1), 0.5f, -0.25f, 1e-7f, 3f)),
            b.Constant("b", Tensor.FromFloats(Shape.Of(2), 0.1f, -2f)))[0];
        var pool = b.ApplyNamed("pool1", ["pool1_out"], new Pool(PoolKind.Max, [2, 2], [2, 2], [0, 0, 0, 0]), conv)[0];
        b.Output(b.ApplyNamed("prob", null, new Softmax(1), pool)[0]);
        return b;
    }

    [Fact]
    public void PrototxtIsStableTextWithNamesKept()
    {
        Caffe.Write(SmallNet().Graph);
        var first = File.ReadAllBytes(Caffe.Prototxt);
        var firstModel = File.ReadAllBytes(Caffe.CaffeModel);
        Caffe.Write(SmallNet().Graph);

        Assert.Equal(first, File.ReadAllBytes(Caffe.Prototxt));
        Assert.Equal(firstModel, File.ReadAllBytes(Caffe.CaffeModel));
        var expected = """
            name: "small"
            layer {
              name: "data"
              type: "Input"
              top: "data"
              input_param {
                shape {
                  dim: 1
                  dim: 2
                  dim: 4
                  dim: 4
                }
              }
            }
            layer {
              name: "conv1"
              type: "Convolution"
              bottom: "data"
              top: "conv1_out"
              convolution_param {
                num_output: 2
                bias_term: true
                pad_h: 0
                pad_w: 0
                kernel_h: 1
                kernel_w: 1
                stride_h: 1
                stride_w: 1
                group: 1
              }
            }
            layer {
              name: "conv1/relu"
              type: "ReLU"
              bottom: "conv1_out"
              top: "conv1_out"
            }
            layer {
              name: "pool1"
              type: "Pooling"
              bottom: "conv1_out"
              top: "pool1_out"
              pooling_param {
                pool: MAX
                pad_h: 0
                pad_w: 0
                kernel_h: 2
                kernel_w: 2
                stride_h: 2
                stride_w: 2
              }
            }
            layer {
              name: "prob"
              type: "Softmax"
              bottom: "pool1_out"
              top: "prob"
              softmax_param {
                axis: 1
              }
            }

            """;
        Assert.Equal(expected.ReplaceLineEndings("\n"), File.ReadAllText(Caffe.Prototxt));
        var conv = Formats.Caffe.Proto.NetParameter.Parser.ParseFrom(firstModel).Layer.Single(l => l.Name == "conv1");
        Assert.Equal([0.5f, -0.25f, 1e-7f, 3f], conv.Blobs[0].Data);
        Assert.Equal([2L, 2, 1, 1], conv.Blobs[0].Shape.Dim);
    }

    [Fact]
    public void UnsupportedOpsAreAllListedAndNothingIsWritten()
    {
        var b = new GraphBuilder("bad");
        var x = b.Input("x", DataType.Float32, Shape.Of(1, 4, 3, 3));
        var erf = b.ApplyNamed("my_erf", null, new Unary(UnaryFunction.Erf), x)[0];
        var product = b.ApplyNamed("my_prod", null, new Reduce(ReduceKind.Prod, [1]), erf)[0];
        var reduced = b.ApplyNamed("my_reduce", null, new Reduce(ReduceKind.Sum, [1, 3]), product)[0];
        var padded = b.ApplyNamed("my_pad", null, new Pad([0, 0, -1, 1, 0, 0, 1, 1]), reduced)[0];
        b.Output(b.Apply(new Unary(UnaryFunction.Relu), padded));

        var e = Assert.Throws<UnsupportedOpsException>(() => Caffe.Write(b.Graph));
        Log.WriteLine(e.Message);

        Assert.Equal(["my_erf", "my_prod", "my_reduce", "my_pad"], e.Ops.Select(o => o.NodeName));
        Assert.Equal("Caffe", e.Target);
        Assert.Contains("4 operator(s)", e.Message);
        Assert.Contains(Caffe.Prototxt, e.Message);
        Assert.False(File.Exists(Caffe.Prototxt));
        Assert.False(File.Exists(Caffe.CaffeModel));
    }

    [Fact]
    public void SplitConvReluRemovesEveryRelu()
    {
        var x = Nd.Random(70, 1, 2, 4, 4);
        var w = Nd.Random(71, 3, 2, 1, 1);
        var b = new GraphBuilder("split_relu");
        var conv = b.Apply(new Conv([1, 1], [0, 0, 0, 0], [1, 1], Activation: FusedActivation.Relu), Input(b, "x", x), Const(b, "w", w));
        b.Output(b.Apply(new Unary(UnaryFunction.Tanh), b.Apply(new Unary(UnaryFunction.Relu), conv)));

        var net = Caffe.Write(b.Graph, Caffe.Options(splitConvRelu: true));
        Assert.DoesNotContain(net.Layer, l => l.Type == "ReLU");
        Check(b, [x], [Reference.Map(Reference.Conv2d(x, w, null, [1, 1], [0, 0, 0, 0], [1, 1], 1), Math.Tanh)], Caffe.Options(splitConvRelu: true));
    }

    [Fact]
    public void NnieUsesInPlaceReluAndDropsFlattenBeforeInnerProduct()
    {
        var x = Nd.Random(72, 1, 2, 3, 3);
        var w = Nd.Random(73, 4, 18);
        var b = new GraphBuilder("nnie");
        var relu = b.Apply(new Unary(UnaryFunction.Relu), b.Apply(new Unary(UnaryFunction.Sigmoid), Input(b, "x", x)));
        var flat = b.Apply(new Flatten(1), relu);
        b.Output(b.Apply(new Gemm(TransB: true), flat, Const(b, "w", w)));

        var net = Caffe.Write(b.Graph, Caffe.Options(backend: 4));
        Assert.Equal(["Input", "Sigmoid", "ReLU", "InnerProduct"], net.Layer.Select(l => l.Type));
        var reluLayer = net.Layer.Single(l => l.Type == "ReLU");
        Assert.Equal(reluLayer.Bottom, reluLayer.Top);
        var hidden = Relu(Reference.Map(x, v => 1 / (1 + Math.Exp(-v))));
        Check(b, [x], [Reference.Linear(new Nd(hidden.Data, [1, 18]), w, null)], Caffe.Options(backend: 4));
    }

    /// <summary>Every kind of weight blob computed while its layer is written: plain, BatchNorm-folded, transposed, scaled, dilated.</summary>
    private static GraphBuilder NetWithEveryDeferredBlob()
    {
        var random = new Random(11);
        Tensor Values(float offset, params long[] dims) =>
            Tensor.FromFloats(new Shape(dims), [.. Enumerable.Range(0, (int)new Shape(dims).ElementCount).Select(_ => offset + (float)random.NextDouble() - 0.5f)]);
        var b = new GraphBuilder("deferred");
        var x = b.Input("data", DataType.Float32, Shape.Of(1, 3, 6, 6));
        var conv = b.Apply(new Conv([1, 1], [1, 1, 1, 1], [1, 1]), x, b.Constant("cw", Values(0, 4, 3, 3, 3)), b.Constant("cb", Values(0, 4)));
        var bn = b.Apply(new BatchNorm(1e-5f), conv, b.Constant("g", Values(1, 4)), b.Constant("beta", Values(0, 4)),
            b.Constant("mean", Values(0, 4)), b.Constant("var", Values(1, 4)));
        var deconv = b.Apply(new ConvTranspose([1, 1], [0, 0, 0, 0], [2, 2]), bn, b.Constant("dw", Values(0, 4, 2, 3, 3)));
        var flat = b.Apply(new Flatten(1), deconv);
        var gemm = b.Apply(new Gemm(Alpha: 0.5f), flat, b.Constant("gw", Values(0, 2 * 10 * 10, 5)), b.Constant("gb", Values(0, 5)));
        b.Output(b.Apply(new MatMul(), gemm, b.Constant("mw", Values(0, 5, 3))));
        return b;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void CaffeModelWrittenLayerByLayerIsTheWholeNetSerialized(bool fuseBn)
    {
        var options = Caffe.Options(fuseBn: fuseBn);
        var net = CaffeWriter.BuildNet(NetWithEveryDeferredBlob().Graph, options, Caffe.Prototxt);
        Caffe.Write(NetWithEveryDeferredBlob().Graph, options);

        Assert.Equal(Google.Protobuf.MessageExtensions.ToByteArray(net), File.ReadAllBytes(Caffe.CaffeModel));
        Assert.Equal(4 * 3 * 3 * 3, net.Layer.Single(l => l.Type == "Convolution").Blobs[0].Data.Count);
        Assert.Equal(4 * 2 * 5 * 5, net.Layer.Single(l => l.Type == "Deconvolution").Blobs[0].Data.Count);
        Assert.Equal(2, net.Layer.Count(l => l.Type == "InnerProduct"));
        Assert.Equal(fuseBn ? 0 : 1, net.Layer.Count(l => l.Type == "BatchNorm"));
    }

    [Fact]
    public void EmptyBlobsKeepShapesWithoutData()
    {
        var net = Caffe.Write(SmallNet().Graph, Caffe.Options(emptyBlobs: true));
        var conv = net.Layer.Single(l => l.Name == "conv1");
        Assert.Equal(2, conv.Blobs.Count);
        Assert.All(conv.Blobs, blob => Assert.Empty(blob.Data));
        Assert.Equal([2L, 2, 1, 1], conv.Blobs[0].Shape.Dim);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    public void UnknownConvertBackendIsRejected(int backend)
    {
        var e = Assert.Throws<ModelFormatException>(() => Caffe.Write(SmallNet().Graph, Caffe.Options(backend: backend)));
        Assert.Contains("convert backend", e.Message);
        Assert.False(File.Exists(Caffe.Prototxt));
    }

    [Fact]
    public void WriterReportsItsFormatAndBothFiles()
    {
        var writer = new CaffeWriter();
        var files = writer.Prepare(SmallNet().Graph, Caffe.Options());
        Assert.Equal(Formats.ModelFormat.Caffe, writer.Format);
        Assert.Equal([Caffe.Prototxt, Caffe.CaffeModel], files.Select(f => f.Path));
    }
}
