using MgeConvert.Formats;
using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using MgeConvert.Passes;
using MgeConvert.Quantization;
using MgeConvert.Reference;

namespace MgeConvert.Tests.Quantization;

public sealed class MaterializeFakeQuantTests
{
    private static readonly QuantInfo Act = new("qint8", -128, 127, [0.5f], null);

    [Fact]
    public void FakeQuantRoundsHalvesAwayFromZeroLikeMegEngine()
    {
        var data = Tensor.FromFloats(new Shape(6), 0.25f, 0.75f, -0.25f, -0.75f, 100f, -100f);
        var result = FakeQuant.Apply(data, new QuantInfo("qint8_narrow", -127, 127, [0.5f], null)).ToFloats();
        Assert.Equal([0.5f, 1f, -0.5f, -1f, 63.5f, -63.5f], result);
    }

    [Fact]
    public void QuantStubIdentityIsRoundedEvenAfterIdentityRemoval()
    {
        var b = new GraphBuilder();
        var x = b.Input("x", DataType.Float32, new Shape(4));
        var stub = b.ApplyNamed("quant", ["quant_out"], new Identity(), x)[0];
        QuantAnnotations.Set(stub, Act with { Scales = [1f] });
        var y = b.ApplyNamed("relu", ["y"], new Unary(UnaryFunction.Relu), stub)[0];
        QuantAnnotations.Set(y, Act);
        b.Output(y);

        var graph = b.Graph;
        PassPipeline.Standard(ModelFormat.Onnx, new ConversionOptions { RequireQuantize = true }).Run(graph);

        Assert.Equal("x", graph.Inputs[0].Name);
        Assert.Equal("y", graph.Outputs[0].Name);
        var output = ReferenceInterpreter.Run(graph, new Dictionary<string, Tensor> { ["x"] = Tensor.FromFloats(new Shape(4), 0.7f, -0.2f, 1.4f, 2.6f) });
        Assert.Equal([1f, 0f, 1f, 3f], output["y"].ToFloats());
    }

    [Fact]
    public void GraphInputKeepsItsNameAndDeclaredQuantization()
    {
        var b = new GraphBuilder();
        var x = b.Input("x", DataType.Float32, new Shape(2));
        QuantAnnotations.Set(x, Act);
        b.Output(b.ApplyNamed("neg", ["y"], new Unary(UnaryFunction.Neg), x)[0]);

        var graph = b.Graph;
        new MaterializeFakeQuant().Run(graph, new PassContext());

        Assert.Same(x, graph.Inputs[0]);
        Assert.Equal("x", x.Name);
        Assert.Contains(graph.Nodes, n => n.Op is Cast { To.IsQuantized: true } && n.Input(0) == x);
        Assert.Equal("y", graph.Outputs[0].Name);
    }

    [Fact]
    public void ValuesTheModelDoesNotRoundStayUntouched()
    {
        var b = new GraphBuilder();
        var x = b.Input("x", DataType.Float32, new Shape(1, 1, 2, 2));
        var pooled = b.ApplyNamed("pool", ["pooled"], new GlobalPool(PoolKind.Average), x)[0];
        QuantAnnotations.Set(pooled, Act with { FakeQuantized = false });
        var bias = b.Constant("bias", Tensor.FromFloats(new Shape(1), 0.3f));
        QuantAnnotations.Set(bias, Act with { FakeQuantized = false });
        b.Output(b.ApplyNamed("add", ["y"], new Binary(BinaryFunction.Add), pooled, bias)[0]);

        var graph = b.Graph;
        new MaterializeFakeQuant().Run(graph, new PassContext());

        Assert.DoesNotContain(graph.Nodes, n => n.Op is Cast);
        Assert.Equal([0.3f], bias.Constant!.ToFloats());
    }

    [Fact]
    public void AnAliasWithTheSameQuantizationIsNotRoundedTwice()
    {
        var b = new GraphBuilder();
        var x = b.Input("x", DataType.Float32, new Shape(2));
        var y = b.ApplyNamed("relu", ["y"], new Unary(UnaryFunction.Relu), x)[0];
        QuantAnnotations.Set(y, Act);
        var alias = b.ApplyNamed("dequant", ["out"], new Identity(), y)[0];
        QuantAnnotations.Set(alias, Act);
        b.Output(alias);

        var graph = b.Graph;
        new MaterializeFakeQuant().Run(graph, new PassContext());

        Assert.Single(graph.Nodes, n => n.Op is Cast { To.IsQuantized: true });
        Assert.Equal("out", graph.Outputs[0].Name);
    }
}
