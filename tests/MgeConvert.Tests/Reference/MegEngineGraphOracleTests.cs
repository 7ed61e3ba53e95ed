using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using MgeConvert.Reference;
using MgeConvert.Tests.Support;
using Xunit.Abstractions;

namespace MgeConvert.Tests.Reference;

/// <summary>
/// Small fixture nets rebuilt by hand in IR (inputs by name, constants from the case notes) and run on the
/// fixture inputs; every output is compared with MegEngine's at the case tolerance.
/// </summary>
public class MegEngineGraphOracleTests(ITestOutputHelper output)
{
    public static TheoryData<string> Cases =>
    [
        "ops_mge/batched_matmul", "ops_mge/matmul_transpose", "ops_mge/concat3", "ops_mge/elemwise_floor_div",
        "ops_mge/powc", "ops_mge/where", "ops_mge/expand_dims", "ops_mge/clip",
    ];

    private static Value[] Build(string id, GraphBuilder b, Func<string, Value> input)
    {
        Value Scalar(float v) => b.Constant(Tensor.Scalar(v));
        Value Pow(Value x, float e) => b.Apply(new Binary(BinaryFunction.Pow), x, Scalar(e));
        return id switch
        {
            "ops_mge/batched_matmul" => [b.Apply(new MatMul(), input("a"), input("b"))],
            "ops_mge/matmul_transpose" => [b.Apply(new Gemm(TransA: true, TransB: true), input("a"), input("b"))],
            "ops_mge/concat3" => [b.Apply(new Concat(1), input("a"), input("b"), input("c"))],
            "ops_mge/elemwise_floor_div" => [b.Apply(new Binary(BinaryFunction.FloorDiv), input("a"), input("b"))],
            "ops_mge/powc" => [Pow(input("x"), 2), Pow(input("x"), 3), Pow(input("p"), -0.5f), Pow(input("p"), 0.5f)],
            "ops_mge/where" => [b.Apply(new Where(), b.Apply(new Binary(BinaryFunction.Greater), input("a"), Scalar(0)), input("b"), input("a"))],
            "ops_mge/expand_dims" => [b.Apply(new Unsqueeze([0, 3]), input("data"))],
            "ops_mge/clip" => [b.Apply(new Clip(-0.5f, 0.75f), input("data"))],
            _ => throw new ArgumentException(id),
        };
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesMegEngine(string id)
    {
        var fixture = FixtureCorpus.Load(id);
        var builder = new GraphBuilder(id);
        var feeds = new Dictionary<string, Tensor>();
        var inputs = new Dictionary<string, Value>();
        foreach (var (name, data) in fixture.Inputs)
        {
            inputs[name] = builder.Input(name, data.DType, data.Shape);
            feeds[name] = data;
        }

        var outputs = Build(id, builder, name => inputs[name]);
        foreach (var o in outputs)
        {
            builder.Output(o);
        }

        var results = ReferenceInterpreter.Run(builder.Graph, feeds);

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
