using MgeConvert.Ir;

namespace MgeConvert.Tests.Support;

/// <summary>Random batch-norm constants (gamma, beta, mean, positive variance) for pass tests.</summary>
public static class BatchNormParameters
{
    public static Value[] Constants(GraphBuilder builder, int channels, int seed)
    {
        var random = new Random(seed);
        var shape = Shape.Of(channels);
        return
        [
            builder.Constant("gamma", GraphCheck.RandomFloats(random, shape, 0.5f, 2)),
            builder.Constant("beta", GraphCheck.RandomFloats(random, shape, -1, 1)),
            builder.Constant("mean", GraphCheck.RandomFloats(random, shape, -1, 1)),
            builder.Constant("var", GraphCheck.RandomFloats(random, shape, 0.2f, 3)),
        ];
    }
}
