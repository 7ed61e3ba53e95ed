using MgeConvert.Ir;
using MgeConvert.Passes;
using MgeConvert.Reference;

namespace MgeConvert.Tests.Support;

/// <summary>Runs a pass and checks, with the reference interpreter, that the graph computes the same outputs.</summary>
public static class GraphCheck
{
    public static Tensor RandomFloats(Random random, Shape shape, float low = -2, float high = 2)
    {
        var data = new float[shape.ElementCount];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = low + ((high - low) * random.NextSingle());
        }

        return Tensor.FromFloats(shape, data);
    }

    /// <summary>A constant of random floats, seeded by its name and shape so every run builds the same graph.</summary>
    public static Value RandomConstant(GraphBuilder b, string name, params int[] dims) =>
        b.Constant(name, RandomFloats(new Random(name.Length + dims.Sum()), Shape.Of(dims)));

    public static Dictionary<string, Tensor> RandomInputs(Graph graph, int seed = 1)
    {
        var random = new Random(seed);
        return graph.Inputs.ToDictionary(v => v.Name, v => RandomFloats(random, v.Shape));
    }

    /// <summary>Runs <paramref name="pass"/> (validating the result) and asserts outputs within atol/rtol 1e-5; returns the report record.</summary>
    public static PassRecord RunAndCompare(Graph graph, IPass pass, int seed = 1)
    {
        var inputs = RandomInputs(graph, seed);
        var before = ReferenceInterpreter.Run(graph, inputs);
        var report = new PassPipeline(pass) { ValidateAfterEachPass = true }.Run(graph);
        var after = ReferenceInterpreter.Run(graph, inputs);
        AssertSameOutputs(before, after);
        return report.Records.Single();
    }

    public static void AssertSameOutputs(Dictionary<string, Tensor> before, Dictionary<string, Tensor> after, double tolerance = 1e-5)
    {
        Assert.Equal(before.Keys.Order(StringComparer.Ordinal), after.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, expected) in before)
        {
            var actual = after[name];
            Assert.Equal(expected.Shape, actual.Shape);
            Assert.Equal(expected.DType, actual.DType);
            NumericAssert.Close(expected, actual.ToDoubles(), tolerance, tolerance, name);
        }
    }

    public static int Count<TOp>(Graph graph)
        where TOp : Op => graph.Nodes.Count(n => n.Op is TOp);
}
