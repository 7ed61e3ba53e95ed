using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using MgeConvert.Reference;
using MgeConvert.Tests.Support;
using Xunit.Abstractions;

namespace MgeConvert.Tests.Reference;

/// <summary>
/// Kernels against MegEngine itself: fixture cases whose graph is a single weight-free opr, rebuilt by hand
/// as the equivalent IR op and run on the fixture's input; compared with MegEngine's output at the case tolerance.
/// </summary>
public class MegEngineOracleTests(ITestOutputHelper output)
{
    public static TheoryData<string> Cases =>
    [
        "ops_mge/active_relu", "ops_mge/active_sigmoid", "ops_mge/active_tanh", "ops_mge/active_gelu",
        "ops_mge/active_silu", "ops_mge/active_hswish", "ops_mge/active_softmax", "ops_mge/elemwise_exp",
        "ops_mge/elemwise_abs", "ops_mge/elemwise_log", "ops_mge/elemwise_ceil", "ops_mge/elemwise_floor",
        "ops_mge/adaptive_avgpool", "ops_mge/argmax", "ops_mge/topk", "ops_mge/reduce_max", "ops_mge/reduce_sum",
        "ops_mge/reduce_product", "ops_mge/transpose", "ops_mge/squeeze", "ops_mge/layernorm_noaffine_2d",
        "ops_mge/pad_reflect", "ops_mge/pad_replicate", "ops_mge/flatten", "ops_mge/pool_max", "ops_mge/pool_avg",
        "ops_mge/softmax", "ops_mge/reduce_mean", "ops_mge/reduce_min", "ops_mge/reduce_sum_sqr", "ops_mge/tile",
        "ops_mge/resize_bilinear_align_corners",
    ];

    /// <summary>The IR op equivalent to each case's opr (from the case's op_modes and MegEngine's defaults).</summary>
    private static Op OpFor(string id) => id switch
    {
        "ops_mge/active_relu" => new Unary(UnaryFunction.Relu),
        "ops_mge/active_sigmoid" => new Unary(UnaryFunction.Sigmoid),
        "ops_mge/active_tanh" => new Unary(UnaryFunction.Tanh),
        "ops_mge/active_gelu" => new Gelu(),
        "ops_mge/active_silu" => new Unary(UnaryFunction.Silu),
        "ops_mge/active_hswish" => new Unary(UnaryFunction.HardSwish),

        // F.softmax without an axis uses axis 1 for 4-D inputs.
        "ops_mge/active_softmax" => new Softmax(1),
        "ops_mge/elemwise_exp" => new Unary(UnaryFunction.Exp),
        "ops_mge/elemwise_abs" => new Unary(UnaryFunction.Abs),
        "ops_mge/elemwise_log" => new Unary(UnaryFunction.Log),
        "ops_mge/elemwise_ceil" => new Unary(UnaryFunction.Ceil),
        "ops_mge/elemwise_floor" => new Unary(UnaryFunction.Floor),
        "ops_mge/adaptive_avgpool" => new AdaptivePool(PoolKind.Average, [2, 2]),
        "ops_mge/argmax" => new ArgReduce(true, 1, KeepDims: false),
        "ops_mge/topk" => new TopK(4),
        "ops_mge/reduce_max" => new Reduce(ReduceKind.Max, [2], KeepDims: false),
        "ops_mge/reduce_sum" => new Reduce(ReduceKind.Sum, [2], KeepDims: false),
        "ops_mge/reduce_product" => new Reduce(ReduceKind.Prod, [2], KeepDims: false),
        "ops_mge/transpose" => new Transpose([0, 2, 3, 1]),
        "ops_mge/squeeze" => new Squeeze([1]),
        "ops_mge/layernorm_noaffine_2d" => new LayerNorm(-2, 1e-5f),
        "ops_mge/pad_reflect" => new Pad([0, 0, 1, 2, 0, 0, 2, 1], PadMode.Reflect),
        "ops_mge/pad_replicate" => new Pad([0, 0, 1, 2, 0, 0, 2, 1], PadMode.Edge),
        "ops_mge/flatten" => new Reshape([24]),

        // mgeconvert's PoolOpr: kernel 3, stride 2, padding 2.
        "ops_mge/pool_max" => new Pool(PoolKind.Max, [3, 3], [2, 2], [2, 2, 2, 2]),
        "ops_mge/pool_avg" => new Pool(PoolKind.Average, [3, 3], [2, 2], [2, 2, 2, 2], CountIncludePad: false),
        "ops_mge/softmax" => new Softmax(-1),
        "ops_mge/reduce_mean" => new Reduce(ReduceKind.Mean, [2], KeepDims: false),

        // The case keeps an upstream quirk: its "min" net computes a MAX reduction.
        "ops_mge/reduce_min" => new Reduce(ReduceKind.Max, [2], KeepDims: false),
        "ops_mge/reduce_sum_sqr" => new Reduce(ReduceKind.SumSquare, [1], KeepDims: false),
        "ops_mge/tile" => new Tile([2, 1, 3]),
        "ops_mge/resize_bilinear_align_corners" => new Resize([1, 2, 5, 7], null, ResizeMode.Linear, CoordinateTransform.AlignCorners),
        _ => throw new ArgumentException(id),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesMegEngine(string id)
    {
        var fixture = FixtureCorpus.Load(id);
        var (name, data) = Assert.Single(fixture.Inputs);
        var builder = new GraphBuilder(id);
        var x = builder.Input(name, data.DType, data.Shape);
        var outputs = builder.ApplyMulti(OpFor(id), x);
        foreach (var o in outputs)
        {
            builder.Output(o);
        }

        var results = ReferenceInterpreter.Run(builder.Graph, new Dictionary<string, Tensor> { [name] = data });

        Assert.Equal(fixture.Outputs.Count, outputs.Length);
        for (var i = 0; i < outputs.Length; i++)
        {
            var expected = fixture.Outputs[i].Data;
            var actual = results[outputs[i].Name];
            Assert.Equal(expected.Shape, actual.Shape);
            var values = actual.ToDoubles();
            output.WriteLine($"{id} output {i}: max |diff| {NumericAssert.MaxAbsDiff(expected, values):E2} (atol {fixture.Atol}, rtol {fixture.Rtol})");
            NumericAssert.Close(expected, values, fixture.Atol, fixture.Rtol, $"{id} output {i}");
        }
    }
}
