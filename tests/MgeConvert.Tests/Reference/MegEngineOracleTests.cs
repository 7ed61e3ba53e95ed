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
        "ops_mge/adaptive_avgpool",
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
        _ => throw new ArgumentException(id),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesMegEngine(string id)
    {
        var fixture = FixtureCorpus.Load(id);
        var (name, data) = Assert.Single(fixture.Inputs);
        var expected = Assert.Single(fixture.Outputs).Data;
        var builder = new GraphBuilder(id);
        var x = builder.Input(name, data.DType, data.Shape);
        builder.Output(builder.ApplyNamed("op", ["out"], OpFor(id), x)[0]);

        var actual = ReferenceInterpreter.Run(builder.Graph, new Dictionary<string, Tensor> { [name] = data })["out"];

        Assert.Equal(expected.Shape, actual.Shape);
        var values = actual.ToDoubles();
        output.WriteLine($"{id}: max |diff| {NumericAssert.MaxAbsDiff(expected, values):E2} (atol {fixture.Atol}, rtol {fixture.Rtol})");
        NumericAssert.Close(expected, values, fixture.Atol, fixture.Rtol, id);
    }
}
