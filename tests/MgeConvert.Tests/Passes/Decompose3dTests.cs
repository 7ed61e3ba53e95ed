using MgeConvert.Formats;
using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using MgeConvert.Passes;
using MgeConvert.Reference;
using MgeConvert.Tests.Support;

namespace MgeConvert.Tests.Passes;

public class Decompose3dTests
{
    [Theory]
    [InlineData(1, FusedActivation.None)]
    [InlineData(2, FusedActivation.Relu)]
    public void ConvWithGroupsStridesDilationsAndAsymmetricPadsMatches(long group, FusedActivation activation)
    {
        var b = new GraphBuilder("g");
        var x = b.Input("x", DataType.Float32, Shape.Of(2, 4, 7, 6, 5));
        var w = b.Constant("w", GraphCheck.RandomFloats(new Random(3), Shape.Of(6, (int)(4 / group), 3, 2, 3)));
        var bias = b.Constant("bias", GraphCheck.RandomFloats(new Random(4), Shape.Of(6)));
        var conv = new Conv(Strides: [2, 1, 2], Pads: [2, 1, 0, 1, 0, 2], Dilations: [2, 2, 1], group, activation);
        b.Output(b.ApplyNamed("conv", ["y"], conv, x, w, bias)[0]);

        Check(b.Graph, new Decompose3dConvolution());

        Assert.DoesNotContain(b.Graph.Nodes, n => n.Op is Conv { SpatialRank: 3 });
        Assert.Equal(3, b.Graph.Nodes.Count(n => n.Op is Conv { SpatialRank: 2 }));
        Assert.Equal("y", b.Graph.Outputs[0].Name);
    }

    [Fact]
    public void ConvWithComputedKernelAndOneDepthTapMatches()
    {
        var b = new GraphBuilder("g");
        var x = b.Input("x", DataType.Float32, Shape.Of(1, 3, 4, 5, 5));
        var w = b.Input("w", DataType.Float32, Shape.Of(2, 3, 1, 3, 3));
        var conv = new Conv([1, 2, 1], [1, 1, 1, 0, 1, 1], [1, 1, 1], Activation: FusedActivation.Tanh);
        var y = b.Apply(conv, x, b.Apply(new Unary(UnaryFunction.Abs), w));
        b.Output(b.Apply(new Unary(UnaryFunction.Neg), y));

        Check(b.Graph, new Decompose3dConvolution());

        Assert.Equal(FusedActivation.Tanh, b.Graph.Nodes.Select(n => n.Op).OfType<Conv>().Single().Activation);
    }

    [Theory]
    [InlineData(PoolKind.Max, false, false)]
    [InlineData(PoolKind.Max, false, true)]
    [InlineData(PoolKind.Average, false, false)]
    [InlineData(PoolKind.Average, true, false)]
    [InlineData(PoolKind.Average, false, true)]
    [InlineData(PoolKind.Average, true, true)]
    public void PoolWithPadsStridesAndCeilModeMatches(PoolKind kind, bool countIncludePad, bool ceil)
    {
        var b = new GraphBuilder("g");
        var x = b.Input("x", DataType.Float32, Shape.Of(2, 3, 9, 7, 5));
        var pool = new Pool(kind, Kernel: [3, 2, 3], Strides: [2, 2, 1], Pads: [1, 0, 1, 0, 0, 0], countIncludePad, ceil);
        b.Output(b.ApplyNamed("pool", ["y"], pool, x)[0]);

        Check(b.Graph, new Decompose3dPooling());

        Assert.DoesNotContain(b.Graph.Nodes, n => n.Op is Pool { Kernel.Length: 3 });
        Assert.Equal(2, b.Graph.Nodes.Count(n => n.Op is Pool { Kernel.Length: 2 }));
        Assert.Equal("y", b.Graph.Outputs[0].Name);
    }

    [Fact]
    public void MgeTargetDecomposesAndOtherTargetsKeepTheirPasses()
    {
        Assert.Contains(PassPipeline.Standard(ModelFormat.Mge).Passes, p => p is Decompose3dConvolution);
        Assert.Contains(PassPipeline.Standard(ModelFormat.Mge).Passes, p => p is Decompose3dPooling);
        Assert.DoesNotContain(PassPipeline.Standard(ModelFormat.Onnx).Passes, p => p is Decompose3dConvolution or Decompose3dPooling);

        var b = new GraphBuilder("g");
        var x = b.Input("x", DataType.Float32, Shape.Of(1, 2, 5, 4, 4));
        var w = b.Constant("w", GraphCheck.RandomFloats(new Random(7), Shape.Of(3, 2, 2, 2, 2)));
        var conv = b.Apply(new Conv([1, 1, 1], [1, 1, 1, 0, 0, 0], [1, 1, 1]), x, w);
        b.Output(b.Apply(new Pool(PoolKind.Max, [2, 2, 2], [2, 2, 2], [0, 0, 0, 0, 0, 0], CeilMode: true), conv));

        Check(b.Graph, PassPipeline.Standard(ModelFormat.Mge));

        Assert.DoesNotContain(b.Graph.Nodes, n => n.Op is Conv { SpatialRank: 3 } or Pool { Kernel.Length: 3 });
        Assert.DoesNotContain(b.Graph.Constants(), v => v.Shape.Rank == 5);
    }

    [Fact]
    public void IntegerAveragePoolIsLeftAlone()
    {
        var b = new GraphBuilder("g");
        var x = b.Input("x", DataType.Int32, Shape.Of(1, 1, 2, 2, 2));
        b.Output(b.Apply(new Pool(PoolKind.Average, [2, 2, 2], [1, 1, 1], [0, 0, 0, 0, 0, 0]), x));

        new PassPipeline(new Decompose3dPooling()).Run(b.Graph);

        Assert.IsType<Pool>(b.Graph.Nodes.Single().Op);
    }

    /// <summary>Runs the passes and compares every output before and after on varied data (not a constant result).</summary>
    private static void Check(Graph graph, params IPass[] passes) => Check(graph, new PassPipeline(passes));

    private static void Check(Graph graph, PassPipeline pipeline)
    {
        var inputs = GraphCheck.RandomInputs(graph, seed: 11);
        var before = ReferenceInterpreter.Run(graph, inputs);
        Assert.All(before.Values, t => Assert.True(t.ToDoubles().Distinct().Count() > 1, "the reference output is constant"));
        new PassPipeline(pipeline.Passes) { ValidateAfterEachPass = true }.Run(graph);
        GraphCheck.AssertSameOutputs(before, ReferenceInterpreter.Run(graph, inputs));
    }
}
