using MgeConvert.Formats;
using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using MgeConvert.Quantization;
using MgeConvert.Tests.Support;

namespace MgeConvert.Tests.Quantization;

public sealed class SourceOpCountTests
{
    private static readonly QuantInfo Act = new("qint8", -128, 127, [0.5f], null);

    [Fact]
    public void FakeQuantizationsKeptAsAnnotationsCountAsSourceOps()
    {
        var b = new GraphBuilder("qat");
        var x = b.Input("x", DataType.Float32, Shape.Of(1, 3, 4, 4));
        QuantAnnotations.Set(x, Act);
        var stub = b.Apply(new Identity(), x);
        QuantAnnotations.Set(stub, Act);
        var w = b.Constant("w", GraphCheck.RandomFloats(new Random(3), Shape.Of(2, 3, 1, 1)));
        QuantAnnotations.Set(w, Act with { Scales = [0.01f] });
        var conv = b.Apply(new Conv([1, 1], [0, 0, 0, 0], [1, 1]), stub, w);
        QuantAnnotations.Set(conv, Act);
        var relu = b.Apply(new Unary(UnaryFunction.Relu), conv);
        QuantAnnotations.Set(relu, Act with { FakeQuantized = false });
        b.Output(relu);

        // The weight and the convolution's result are rounded by fake quantizers the graph has no node for; the input's
        // quantization is declared, and the stub's rounding is the Identity node itself.
        Assert.Equal(2, QuantAnnotations.FakeQuantizations(b.Graph));
        Assert.Equal([new OpCount("FakeQuantize", 2), new OpCount("Conv", 1), new OpCount("Identity", 1), new OpCount("Relu", 1)], OpHistogram.OfSource(b.Graph));
    }

    [Fact]
    public void QatModelReportsItsActivationAndWeightFakeQuantizers()
    {
        var fixture = FixtureCorpus.Cases(c => c.Id == "quant/qadd_qat_tm").Single();
        using var dir = new Cli.TempDirectory();
        var result = new Converter().Convert(ModelFormat.TracedModule, ModelFormat.TorchScript, fixture.ModelPath, new ConversionOptions { Output = dir.File("m.pt") });

        // conv1, conv2 and add run act_fake_quant; conv1 and conv2 run weight_fake_quant and round their bias.
        Assert.Equal(7, result.OpsIn.Single(o => o.Op == OpHistogram.FakeQuantize).Count);
        Assert.Equal(6, result.OpsIn.Where(o => o.Op != OpHistogram.FakeQuantize).Sum(o => o.Count));
    }
}
