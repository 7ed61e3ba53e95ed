using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using MgeConvert.Reference;
using static MgeConvert.Tests.Support.OpRunner;

namespace MgeConvert.Tests.Reference;

public class ReferenceInterpreterTests
{
    [Fact]
    public void RunsAChainAndReturnsOutputsByName()
    {
        var b = new GraphBuilder("net");
        var x = b.Input("x", DataType.Float32, Shape.Of(1, 1, 3, 3));
        var w = b.Constant("w", F([1, 1, 2, 2], 1, 0, 0, -1));
        var conv = b.ApplyNamed("conv", ["conv_out"], new Conv([1, 1], [0, 0, 0, 0], [1, 1]), x, w)[0];
        var relu = b.ApplyNamed("relu", ["prob"], new Unary(UnaryFunction.Relu), conv)[0];
        var flat = b.ApplyNamed("flat", ["flat_out"], new Flatten(1), relu)[0];
        b.Output(flat);
        b.Output(conv);

        var outputs = ReferenceInterpreter.Run(b.Graph, new Dictionary<string, Tensor>
        {
            ["x"] = F([1, 1, 3, 3], 9, 1, 5, 2, 3, 4, 1, 8, 7),
        });

        // conv[i, j] = x[i, j] - x[i+1, j+1]
        AssertTensor(outputs["conv_out"], [1, 1, 2, 2], 6, -3, -6, -4);
        AssertTensor(outputs["flat_out"], [1, 4], 6, 0, 0, 0);
    }

    [Fact]
    public void IntermediatesAreAvailableByName()
    {
        var b = new GraphBuilder("net");
        var x = b.Input("x", DataType.Float32, Shape.Of(2));
        var neg = b.ApplyNamed("neg", ["negated"], new Unary(UnaryFunction.Neg), x)[0];
        b.Output(b.ApplyNamed("exp", ["result"], new Unary(UnaryFunction.Exp), neg)[0]);

        var values = ReferenceInterpreter.RunWithIntermediates(b.Graph, new Dictionary<string, Tensor> { ["x"] = F(0, 1) });

        AssertValues(values["negated"], 0, -1);
        AssertValues(values["result"], 1, Math.Exp(-1));
        AssertValues(values["x"], 0, 1);
    }

    [Fact]
    public void ConstantGraphOutputsAreReturned()
    {
        var b = new GraphBuilder("c");
        b.Input("x", DataType.Float32, Shape.Of(1));
        b.Output(b.Constant("k", F(4, 2)));
        var outputs = ReferenceInterpreter.Run(b.Graph, new Dictionary<string, Tensor> { ["x"] = F(0) });
        AssertValues(outputs["k"], 4, 2);
    }

    [Fact]
    public void MissingOrMisshapenInputsAreReported()
    {
        var b = new GraphBuilder("g");
        var x = b.Input("x", DataType.Float32, Shape.Of(2));
        b.Output(b.Apply(new Unary(UnaryFunction.Neg), x));
        var missing = Assert.Throws<ArgumentException>(() => ReferenceInterpreter.Run(b.Graph, new Dictionary<string, Tensor>()));
        Assert.Contains("x", missing.Message);
        var wrong = Assert.Throws<ArgumentException>(() => ReferenceInterpreter.Run(b.Graph, new Dictionary<string, Tensor> { ["x"] = F(1, 2, 3) }));
        Assert.Contains("f32[2]", wrong.Message);
    }

    [Fact]
    public void EveryIrOpHasAKernel()
    {
        // Opaque marks an operator outside the IR (inspect only); it has no semantics to compute.
        var opTypes = typeof(Op).Assembly.GetTypes().Where(t => t.IsSubclassOf(typeof(Op)) && !t.IsAbstract && t != typeof(Opaque)).ToList();
        var missing = opTypes.Where(t => !KernelTable.Default.Supports((Op)System.Runtime.CompilerServices.RuntimeHelpers.GetUninitializedObject(t))).Select(t => t.Name).ToList();
        Assert.True(opTypes.Count >= 40, $"found only {opTypes.Count} op types");
        Assert.Empty(missing);
    }
}
