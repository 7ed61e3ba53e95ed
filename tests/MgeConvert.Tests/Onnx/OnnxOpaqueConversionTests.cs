using MgeConvert.Formats;
using MgeConvert.Tests.Cli;

namespace MgeConvert.Tests.Onnx;

/// <summary>A model read with opaque placeholders (AllowUnsupported) can be inspected but never written.</summary>
public sealed class OnnxOpaqueConversionTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(ModelFormat.Onnx)]
    [InlineData(ModelFormat.TFLite)]
    [InlineData(ModelFormat.Caffe)]
    public void EveryWriterRefusesTheOpaqueNode(ModelFormat target)
    {
        var model = Path.Combine(OnnxCorpus.Root, "node", "test_tril", "model.onnx");
        Assert.True(File.Exists(model), $"ONNX test corpus missing: {model}");
        var options = new ConversionOptions
        {
            AllowUnsupported = true,
            Output = _dir.File("out.model"),
            Prototxt = _dir.File("out.prototxt"),
            CaffeModel = _dir.File("out.caffemodel"),
        };

        var e = Assert.ThrowsAny<ModelFormatException>(() => new Converter().Convert(ModelFormat.Onnx, target, model, options));

        var refused = Assert.IsType<UnsupportedOpsException>(e);
        Assert.Contains(refused.Ops, o => o.OpType == "Trilu (unsupported)");
        Assert.Contains("Trilu (unsupported)", e.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_dir.Path));
    }

    [Fact]
    public void WithoutAllowUnsupportedTheReaderListsTheOperator()
    {
        var model = Path.Combine(OnnxCorpus.Root, "node", "test_tril", "model.onnx");
        Assert.True(File.Exists(model), $"ONNX test corpus missing: {model}");

        var e = Assert.Throws<UnsupportedOpsException>(() => new Converter().Read(model, ModelFormat.Onnx, new ConversionOptions()));

        Assert.Equal("Trilu", Assert.Single(e.Ops).OpType);
    }
}
