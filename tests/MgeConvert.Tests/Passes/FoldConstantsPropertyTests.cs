using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using MgeConvert.Passes;
using MgeConvert.Reference;
using MgeConvert.Tests.Support;

namespace MgeConvert.Tests.Passes;

/// <summary>Random elementwise graphs: folding them on constant leaves gives what running them on inputs gives.</summary>
public class FoldConstantsPropertyTests
{
    private static readonly Shape[] LeafShapes = [Shape.Of(2, 3), Shape.Of(3), Shape.Of(2, 1), Shape.Of(1, 3), Shape.Scalar];

    private static readonly Func<Op>[] UnaryOps =
    [
        () => new Unary(UnaryFunction.Relu), () => new Unary(UnaryFunction.Sigmoid), () => new Unary(UnaryFunction.Tanh),
        () => new Unary(UnaryFunction.Abs), () => new Unary(UnaryFunction.Neg), () => new Unary(UnaryFunction.Sin),
        () => new Unary(UnaryFunction.Softsign), () => new Unary(UnaryFunction.Silu), () => new Unary(UnaryFunction.HardSwish),
        () => new Unary(UnaryFunction.Floor), () => new Unary(UnaryFunction.Erf), () => new Clip(-0.5f, 1.5f),
        () => new LeakyRelu(0.2f), () => new Elu(), () => new Gelu(), () => new HardSigmoid(),
    ];

    private static readonly BinaryFunction[] BinaryFunctions =
        [BinaryFunction.Add, BinaryFunction.Sub, BinaryFunction.Mul, BinaryFunction.Max, BinaryFunction.Min];

    private static Graph Build(int seed, bool leavesAreConstants, out Dictionary<string, Tensor> feeds)
    {
        var random = new Random(seed);
        var b = new GraphBuilder($"random{seed}");
        feeds = [];
        var values = new List<Value>();
        var leaves = random.Next(2, 5);
        for (var i = 0; i < leaves; i++)
        {
            var data = GraphCheck.RandomFloats(random, LeafShapes[random.Next(LeafShapes.Length)]);
            if (leavesAreConstants)
            {
                values.Add(b.Constant($"leaf{i}", data));
            }
            else
            {
                var input = b.Input($"leaf{i}", data.DType, data.Shape);
                feeds[input.Name] = data;
                values.Add(input);
            }
        }

        var ops = random.Next(3, 12);
        for (var i = 0; i < ops; i++)
        {
            var a = values[random.Next(values.Count)];
            var choice = random.Next(3);
            var next = choice switch
            {
                0 => b.ApplyNamed($"n{i}", [$"v{i}"], UnaryOps[random.Next(UnaryOps.Length)](), a)[0],
                1 => b.ApplyNamed($"n{i}", [$"v{i}"], new Binary(BinaryFunctions[random.Next(BinaryFunctions.Length)]), a, values[random.Next(values.Count)])[0],
                _ => b.ApplyNamed($"n{i}", [$"v{i}"], new Where(),
                    b.Apply(new Binary(BinaryFunction.Greater), a, values[random.Next(values.Count)]), a, values[random.Next(values.Count)])[0],
            };
            values.Add(next);
        }

        b.Output(values[^1]);
        b.Output(values[leaves + random.Next(ops)]);
        return b.Graph;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(10)]
    public void FoldingMatchesRunning(int seed)
    {
        var live = Build(seed, leavesAreConstants: false, out var feeds);
        var expected = ReferenceInterpreter.Run(live, feeds);

        var constant = Build(seed, leavesAreConstants: true, out _);
        Assert.NotEmpty(constant.Nodes);
        new PassPipeline(new FoldConstants()) { ValidateAfterEachPass = true }.Run(constant);

        Assert.Empty(constant.Nodes);
        Assert.All(constant.Outputs, o => Assert.True(o.IsConstant, $"{o.Name} was not folded"));
        GraphCheck.AssertSameOutputs(expected, constant.Outputs.DistinctBy(o => o.Name).ToDictionary(o => o.Name, o => o.Constant!));
    }
}
