using MgeConvert.Formats.TracedModule;
using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using MgeConvert.Reference;

namespace MgeConvert.Tests.TracedModule;

/// <summary>
/// Op forms the corpora do not reach (asymmetric pads, ceil mode, 1-D transposed convolution, general Gemm …):
/// IR graph → .tm → our reader → ONNX Runtime, against the reference interpreter on the source graph.
/// </summary>
public class TmWriterOpTests
{
    public static TheoryData<string> Cases => [.. Builders.Keys];

    private static readonly Dictionary<string, Func<GraphBuilder, Value, Value>> Builders = new(StringComparer.Ordinal)
    {
        ["conv2d asymmetric pads"] = (b, x) => b.Apply(new Conv([2, 1], [1, 0, 0, 2], [1, 1]), x, W(b, 4, 3, 3, 3), W(b, 4)),
        ["conv2d groups relu"] = (b, x) => b.Apply(new Conv([1, 1], [1, 1, 1, 1], [2, 2], 3, FusedActivation.Relu), x, W(b, 6, 1, 3, 3)),
        ["deconv asymmetric pads"] = (b, x) => b.Apply(new ConvTranspose([2, 2], [1, 0, 0, 1], [1, 1]), x, W(b, 3, 2, 3, 3), W(b, 2)),
        ["deconv 1-D"] = (b, x) => b.Apply(new ConvTranspose([2], [1, 1], [1], 1, [1]), b.Apply(new Reshape([1, 3, 16]), x), W(b, 3, 4, 3)),
        ["max pool ceil mode"] = (b, x) => b.Apply(new Pool(PoolKind.Max, [3, 3], [2, 2], [0, 0, 0, 0], false, true), x),
        ["avg pool including pads"] = (b, x) => b.Apply(new Pool(PoolKind.Average, [3, 3], [2, 2], [1, 1, 1, 1], true), x),
        ["avg pool 1-D"] = (b, x) => b.Apply(new Pool(PoolKind.Average, [3], [2], [1, 1]), b.Apply(new Reshape([1, 3, 16]), x)),
        ["gemm alpha beta transA"] = (b, x) => b.Apply(new Gemm(true, false, 0.5f, 2f), b.Apply(new Reshape([16, 3]), x), W(b, 16, 5), W(b, 5)),
        ["slice negative step"] = (b, x) => b.Apply(new Slice([-1, 5], [0, 1], [3, 2], [-2, -1]), x),
        ["reduce l2"] = (b, x) => b.Apply(new Reduce(ReduceKind.L2, [2, 3], false), x),
        ["reduce log-sum-exp"] = (b, x) => b.Apply(new Reduce(ReduceKind.LogSumExp, [1]), x),
        ["hard sigmoid"] = (b, x) => b.Apply(new HardSigmoid(0.2f, 0.5f), x),
        ["resize align corners"] = (b, x) => b.Apply(new Resize([1, 3, 7, 9], null, ResizeMode.Linear, CoordinateTransform.AlignCorners), x),
        ["resize nearest"] = (b, x) => b.Apply(new Resize([1, 3, 8, 12], [1, 1, 2, 3], ResizeMode.Nearest, CoordinateTransform.Asymmetric, NearestRounding.Floor), x),
        ["topk"] = (b, x) => b.ApplyMulti(new TopK(3), b.Apply(new Reshape([12, 4]), x))[0],
        ["argmin"] = (b, x) => b.Apply(new Cast(DataType.Float32), b.Apply(new ArgReduce(false, 2, false), x)),
        ["where greater"] = (b, x) => b.Apply(new Where(), b.Apply(new Binary(BinaryFunction.Greater), x, b.Constant(Tensor.Scalar(0.1f))), x, b.Apply(new Unary(UnaryFunction.Neg), x)),
        ["split tile expand"] = (b, x) => b.Apply(new Tile([1, 2, 1, 1]), b.ApplyMulti(new Split(3, [1, 3]), x)[1]),
        ["pad reflect"] = (b, x) => b.Apply(new Pad([0, 0, 1, 2, 0, 0, 2, 1], PadMode.Reflect), x),
        ["instance norm"] = (b, x) => b.Apply(new InstanceNorm(1e-3f), x, W(b, 3), W(b, 3)),
        ["layer norm no bias"] = (b, x) => b.Apply(new LayerNorm(-2), x, W(b, 4, 4)),
        ["gather 2-D indices"] = (b, x) => b.Apply(new Gather(2), x, b.Constant(Tensor.FromInt64s(new Shape(2, 2), 3, 0, 1, 1))),
        ["unsqueeze multi-axis"] = (b, x) => b.Apply(new Unsqueeze([0, -1]), x),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void OpRoundTripsThroughTracedModule(string name)
    {
        var b = new GraphBuilder("ops");
        var x = b.Input("x", DataType.Float32, new Shape(1, 3, 4, 4));
        b.Output(Builders[name](b, x));
        var input = Tensor.FromFloats(new Shape(1, 3, 4, 4), [.. Enumerable.Range(0, 48).Select(i => MathF.Sin(i * 0.7f) * 2)]);

        var bytes = TracedModuleWriter.Serialize(b.Graph, new ConversionOptions(), name + ".tm");
        var actual = TmWriterRoundTrip.Run(TmWriterRoundTrip.ReadBack(bytes, name + ".tm"), [input]);
        var expected = ReferenceInterpreter.Run(b.Graph, new Dictionary<string, Tensor> { ["x"] = input });

        Assert.Null(TmWriterRoundTrip.Compare([expected[b.Graph.Outputs[0].Name]], actual));
    }

    private static Value W(GraphBuilder b, params long[] shape)
    {
        var count = (int)shape.Aggregate(1L, (p, d) => p * d);
        return b.Constant(Tensor.FromFloats(new Shape(shape), [.. Enumerable.Range(0, count).Select(i => MathF.Cos(i * 1.3f) * 0.5f)]));
    }
}
