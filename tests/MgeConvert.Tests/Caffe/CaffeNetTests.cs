using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using Xunit.Abstractions;

namespace MgeConvert.Tests.Caffe;

/// <summary>Small networks shaped like the fixture nets (conv-bn-relu-pool-linear, residual, mobile blocks).</summary>
public class CaffeNetTests(ITestOutputHelper output) : CaffeTestBase(output)
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ResidualBlockWithBatchNormPoolAndClassifier(bool fuseBn)
    {
        var x = Nd.Random(80, 1, 4, 6, 6);
        var w1 = Nd.Random(81, 4, 4, 3, 3);
        var w2 = Nd.Random(82, 4, 4, 3, 3);
        var (gamma, beta, mean) = (Nd.Random(83, 4).Data, Nd.Random(84, 4).Data, Nd.Random(85, 4).Data);
        var variance = Reference.Map(Nd.Random(86, 4), v => v + 1.5).Data;
        var fc = Nd.Random(87, 3, 4);
        var fcBias = Nd.Random(88, 3).Data;

        var b = new GraphBuilder("resnet_block");
        var xv = Input(b, "data", x);
        var c1 = b.Apply(new Conv([1, 1], [1, 1, 1, 1], [1, 1], Activation: FusedActivation.Relu), xv, Const(b, "w1", w1));
        var c2 = b.Apply(new Conv([1, 1], [1, 1, 1, 1], [1, 1]), c1, Const(b, "w2", w2));
        var bn = b.Apply(new BatchNorm(), c2, Const(b, "gamma", gamma), Const(b, "beta", beta), Const(b, "mean", mean), Const(b, "var", variance));
        var sum = b.Apply(new Binary(BinaryFunction.Add, FusedActivation.Relu), bn, xv);
        var pooled = b.Apply(new Pool(PoolKind.Max, [2, 2], [2, 2], [0, 0, 0, 0]), sum);
        var gap = b.Apply(new GlobalPool(PoolKind.Average), pooled);
        var logits = b.Apply(new Gemm(TransB: true), b.Apply(new Flatten(1), gap), Const(b, "fc", fc), Const(b, "fc_b", fcBias));
        b.Output(b.Apply(new Softmax(1), logits));
        b.Output(sum);

        var r1 = Relu(Reference.Conv2d(x, w1, null, [1, 1], [1, 1, 1, 1], [1, 1], 1));
        var r2 = Reference.BatchNorm(Reference.Conv2d(r1, w2, null, [1, 1], [1, 1, 1, 1], [1, 1], 1), gamma, beta, mean, variance, 1e-5f);
        var s = Relu(Reference.Binary(r2, x, (p, q) => p + q));
        var p2 = Reference.Pool2d(s, max: true, [2, 2], [2, 2], [0, 0, 0, 0], countIncludePad: false);
        var g = Reference.Pool2d(p2, max: false, [3, 3], [1, 1], [0, 0, 0, 0], countIncludePad: false);
        var probs = Reference.Softmax(Reference.Linear(new Nd(g.Data, [1, 4]), fc, fcBias), 1);
        Check(b, [x], [probs, s], Caffe.Options(fuseBn: fuseBn));
    }

    [Fact]
    public void MobileBlockWithDepthwiseRelu6AndHardSwish()
    {
        var x = Reference.Map(Nd.Random(90, 1, 3, 5, 5), v => v * 4);
        var dw = Nd.Random(91, 3, 1, 3, 3);
        var pw = Nd.Random(92, 6, 3, 1, 1);
        var pwBias = Nd.Random(93, 6).Data;

        var b = new GraphBuilder("mobile_block");
        var d = b.Apply(new Conv([1, 1], [1, 1, 1, 1], [1, 1], Group: 3, Activation: FusedActivation.Relu6), Input(b, "data", x), Const(b, "dw", dw));
        var p = b.Apply(new Conv([1, 1], [0, 0, 0, 0], [1, 1]), d, Const(b, "pw", pw), Const(b, "pw_b", pwBias));
        b.Output(b.Apply(new Unary(UnaryFunction.HardSwish), p));

        var r = Reference.Map(Reference.Conv2d(x, dw, null, [1, 1], [1, 1, 1, 1], [1, 1], 3), v => Math.Clamp(v, 0, 6));
        var q = Reference.Conv2d(r, pw, pwBias, [1, 1], [0, 0, 0, 0], [1, 1], 1);
        Check(b, [x], [Reference.Map(q, v => v * Math.Clamp(v + 3, 0, 6) / 6)]);
    }
}
