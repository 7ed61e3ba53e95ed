using Google.Protobuf;
using MgeConvert.Formats;
using MgeConvert.Formats.Onnx.Proto;
using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using MgeConvert.Tests.Onnx;
using A = MgeConvert.Formats.Onnx.OnnxAttributes;

namespace MgeConvert.Tests.Robustness;

/// <summary>Regression tests for reader bugs the fuzzer found: each input must end in a model or one ModelFormatException.</summary>
public sealed class OnnxHostileModelTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mgeconvert-hostile-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string> RankDependentOps => ["Transpose", "Concat", "Flatten", "Squeeze"];

    [Theory]
    [MemberData(nameof(RankDependentOps))]
    public void RankDependentOpOnAnInputWithoutShapeIsAFormatError(string op)
    {
        var attributes = op switch
        {
            "Transpose" => new[] { A.Ints("perm", [1, 0]) },
            "Concat" => [A.Int("axis", 1)],
            "Flatten" => [A.Int("axis", 1)],
            _ => [A.Ints("axes", [0])],
        };
        var proto = OnnxModels.Parse(new OnnxModels(11).Input("x", 2, 3).Output("y", 3, 2).Node(op, "n", ["x"], ["y"], attributes).Bytes());
        proto.Graph.Input[0].Type.TensorType.Shape = null;
        var e = Assert.ThrowsAny<ModelFormatException>(() => Read(proto));
        Assert.Contains(".onnx", e.Message);
    }

    [Fact]
    public void MaxPoolWithZeroStrideIsAFormatError()
    {
        var model = new OnnxModels(13).Input("x", 1, 1, 8, 8).Output("y", 1, 1, 4, 4)
            .Node("MaxPool", "pool", ["x"], ["y"], A.Ints("kernel_shape", [2, 2]), A.Ints("strides", [0, 0]));
        Assert.ThrowsAny<ModelFormatException>(() => Read(OnnxModels.Parse(model.Bytes())));
    }

    [Fact]
    public void ConstantWhoseValueAttributeIsNoTensorIsAFormatError()
    {
        var model = new OnnxModels(13).Output("y", 1).Node("Constant", "c", [], ["y"], A.Int("value", 3));
        var e = Assert.ThrowsAny<ModelFormatException>(() => Read(OnnxModels.Parse(model.Bytes())));
        Assert.Contains("holds no tensor", e.Message);
    }

    [Fact]
    public void ConvTransposeWithAWeightOfRankOneIsAFormatError()
    {
        var model = new OnnxModels(13).Input("x", 1, 1, 8, 8).Output("y", 1, 1, 8, 8)
            .Initializer("w", Tensor.FromFloats(new Shape(3), 1, 2, 3))
            .Node("ConvTranspose", "deconv", ["x", "w"], ["y"]);
        var e = Assert.ThrowsAny<ModelFormatException>(() => Read(OnnxModels.Parse(model.Bytes())));
        Assert.Contains("expected (C, M/group, k1, ...)", e.Message);
    }

    [Fact]
    public void SamePaddingWithAZeroStrideIsAFormatError()
    {
        var model = new OnnxModels(13).Input("x", 1, 1, 8, 8).Output("y", 1, 1, 4, 4)
            .Node("MaxPool", "pool", ["x"], ["y"], A.Ints("kernel_shape", [2, 2]), A.Ints("strides", [2, 0]), A.Str("auto_pad", "SAME_UPPER"));
        var e = Assert.ThrowsAny<ModelFormatException>(() => Read(OnnxModels.Parse(model.Bytes())));
        Assert.Contains("must be positive", e.Message);
    }

    [Fact]
    public async Task DilatedMaxPoolWithAZeroKernelSizeIsAFormatErrorNotAnEndlessLoop()
    {
        var model = new OnnxModels(12).Input("x", 1, 1, 100, 100).Output("y", 1, 1, 4, 2)
            .Node("MaxPool", "pool", ["x"], ["y"], A.Ints("kernel_shape", [6, 0]), A.Ints("dilations", [10, 10]), A.Ints("strides", [10, 10]));
        var read = Task.Run(() => Assert.ThrowsAny<ModelFormatException>(() => Read(OnnxModels.Parse(model.Bytes()))));
        Assert.Same(read, await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(10))));
        Assert.Contains("must be positive", (await read).Message);
    }

    [Fact]
    public void DilatedMaxPoolWithAHugeKernelIsRefusedWithoutBuildingMillionsOfNodes()
    {
        var model = new OnnxModels(13).Input("x", 1, 1, 3000, 3000).Output("y", 1, 1, 1, 1)
            .Node("MaxPool", "pool", ["x"], ["y"], A.Ints("kernel_shape", [1500, 1500]), A.Ints("dilations", [2, 2]));
        var (e, allocated) = Measure(() => Read(OnnxModels.Parse(model.Bytes())));
        Assert.IsType<UnsupportedOpsException>(e);
        Assert.Contains("taps", e!.Message);
        Assert.True(allocated < 16 << 20, $"allocated {allocated} bytes");
    }

    [Fact]
    public void HugeConstantOfShapeBecomesAnExpandInsteadOfGigabytesOfZeros()
    {
        var model = new OnnxModels(13).Output("y", 100_000, 100_000)
            .Initializer("shape", Tensor.Vector(100_000, 100_000))
            .Node("ConstantOfShape", "fill", ["shape"], ["y"]);
        ImportedModel? read = null;
        var (e, allocated) = Measure(() => read = Read(OnnxModels.Parse(model.Bytes())));
        Assert.Null(e);
        Assert.True(allocated < 16 << 20, $"allocated {allocated} bytes");
        var expand = Assert.IsType<Expand>(Assert.Single(read!.Graph.Nodes).Op);
        Assert.Equal([100_000L, 100_000], expand.TargetShape);
    }

    [Fact]
    public void ReshapeWhoseElementCountOverflowsIsAFormatError()
    {
        var model = new OnnxModels(13).Input("x", 1L << 40, 1L << 40).Output("y", -1)
            .Initializer("target", Tensor.Vector(-1))
            .Node("Reshape", "reshape", ["x", "target"], ["y"]);
        Assert.ThrowsAny<ModelFormatException>(() => Read(OnnxModels.Parse(model.Bytes())));
    }

    [Fact]
    public void ResizeWithNegativeScalesIsAFormatError()
    {
        var model = new OnnxModels(13).Input("x", 1, 1, 4, 4).Output("y", 1, 1, 8, 8)
            .Initializer("scales", Tensor.FromFloats(new Shape(4), [1, 1, -2, -2]))
            .Node("Resize", "resize", ["x", "", "scales"], ["y"]);
        Assert.ThrowsAny<ModelFormatException>(() => Read(OnnxModels.Parse(model.Bytes())));
    }

    private static (Exception? Error, long Allocated) Measure(Action action)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        Exception? error = null;
        try
        {
            action();
        }
        catch (ModelFormatException e)
        {
            error = e;
        }

        return (error, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private ImportedModel Read(ModelProto proto)
    {
        var path = Path.Combine(_dir, "model.onnx");
        File.WriteAllBytes(path, proto.ToByteArray());
        return new Converter().Read(path, null, new ConversionOptions());
    }
}
