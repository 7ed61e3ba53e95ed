using MgeConvert.Formats;

namespace MgeConvert.Tests.Cli;

/// <summary>Every flag of every subcommand reaches <see cref="ConversionOptions"/> (the original dropped several).</summary>
public sealed class CliFlagMappingTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly Dictionary<ModelFormat, FakeReader> _readers = new()
    {
        [ModelFormat.Mge] = new(ModelFormat.Mge),
        [ModelFormat.TracedModule] = new(ModelFormat.TracedModule),
        [ModelFormat.Onnx] = new(ModelFormat.Onnx),
    };

    private readonly Dictionary<ModelFormat, FakeWriter> _writers = Enum.GetValues<ModelFormat>().ToDictionary(f => f, f => new FakeWriter(f));

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void DefaultsMatchTheDocumentedOnes()
    {
        var o = Convert(ModelFormat.Mge, ModelFormat.Onnx, "mge_to_onnx", "-o", _dir.File("o.onnx"));

        Assert.Equal(13, o.Opset);
        Assert.Equal("graph", o.GraphName);
        Assert.Null(o.EndPoints);
        Assert.False(o.FrozenInputShape);
        Assert.False(o.OptimizeForInference);
        Assert.False(o.KeepBatchNorm);
        Assert.Null(o.InputDataType);
        Assert.Equal("quant_params.json", o.QuantizeFilePath);
    }

    [Fact]
    public void MgeToOnnxPassesEveryFlag()
    {
        var o = Convert(
            ModelFormat.Mge, ModelFormat.Onnx, "mge_to_onnx", "-o", _dir.File("o.onnx"), "--opset", "7", "--graph_name", "net",
            "--end_point", "a;ADD(x,y)[3]", "--frozen_input_shape", "--optimize-for-inference", "--keep_bn");

        Assert.Equal(_dir.File("o.onnx"), o.Output);
        Assert.Equal(7, o.Opset);
        Assert.Equal("net", o.GraphName);
        Assert.Equal(["a", "ADD(x,y)[3]"], o.EndPoints!);
        Assert.True(o.FrozenInputShape);
        Assert.True(o.OptimizeForInference);
        Assert.True(o.KeepBatchNorm);
    }

    [Fact]
    public void TracedModuleToOnnxPassesTheQuantizationFlags()
    {
        var o = Convert(
            ModelFormat.TracedModule, ModelFormat.Onnx, "tracedmodule-to-onnx", "--output", _dir.File("o.onnx"), "--opset", "21",
            "--graph-name", "g", "--end-point", "out1", "--end-point", "out2", "--input_data_type", "qint8",
            "--input_scales", "0.5", "0.25", "--input_zero_points", "3,4.9", "--require_quantize", "--param_fake_quant",
            "--quantize_file_path", "q.json");

        Assert.Equal(21, o.Opset);
        Assert.Equal("g", o.GraphName);
        Assert.Equal(["out1", "out2"], o.EndPoints!);
        AssertQuantization(o, "qint8", [0.5f, 0.25f], [3, 4], "q.json");
    }

    [Fact]
    public void CaffeConversionsPassEveryFlag()
    {
        var mge = Convert(
            ModelFormat.Mge, ModelFormat.Caffe, "mge_to_caffe", "-c", _dir.File("a.prototxt"), "-b", _dir.File("a.caffemodel"),
            "--end_point", "x", "--use_empty_blobs", "--convert_backend", "nnie");

        Assert.Equal(_dir.File("a.prototxt"), mge.Prototxt);
        Assert.Equal(_dir.File("a.caffemodel"), mge.CaffeModel);
        Assert.Equal(["x"], mge.EndPoints!);
        Assert.True(mge.UseEmptyBlobs);
        Assert.Equal(4, mge.ConvertBackend);

        var tm = Convert(
            ModelFormat.TracedModule, ModelFormat.Caffe, "tracedmodule_to_caffe", "--prototxt", _dir.File("b.prototxt"),
            "--caffemodel", _dir.File("b.caffemodel"), "--outspec", "y", "--use-empty-blobs", "--convert-backend", "2",
            "--input-data-type", "quint8", "--input-scales", "0.1", "--input-zero-points", "128", "--require-quantize",
            "--param-fake-quant", "--quantize-file-path", "c.json", "--split_conv_relu", "--fuse_bn");

        Assert.Equal(["y"], tm.EndPoints!);
        Assert.True(tm.UseEmptyBlobs);
        Assert.Equal(2, tm.ConvertBackend);
        AssertQuantization(tm, "quint8", [0.1f], [128], "c.json");
        Assert.True(tm.SplitConvRelu);
        Assert.True(tm.FuseBn);
    }

    [Fact]
    public void TfliteConversionsPassEveryFlag()
    {
        var mge = Convert(
            ModelFormat.Mge, ModelFormat.TFLite, "mge-to-tflite", "-o", _dir.File("m.tflite"), "--graph-name", "graph0",
            "--outspec", "p;q", "--mtk", "--prefer_same_pad_mode", "--use_int64_bias", "--disable_nhwc");

        Assert.Equal("graph0", mge.GraphName);
        Assert.Equal(["p", "q"], mge.EndPoints!);
        Assert.True(mge.Mtk);
        Assert.True(mge.PreferSamePadMode);
        Assert.True(mge.UseInt64Bias);
        Assert.True(mge.DisableNhwc);
        Assert.False(mge.RemoveRelu);

        var tm = Convert(
            ModelFormat.TracedModule, ModelFormat.TFLite, "tracedmodule_to_tflite", "-o", _dir.File("t.tflite"),
            "--input_data_type", "int8", "--input_scales", "0.5,0.125", "--input_zero_points", "0", "--require_quantize",
            "--param_fake_quant", "--quantize_file_path", "t.json", "--remove_relu");

        AssertQuantization(tm, "int8", [0.5f, 0.125f], [0], "t.json");
        Assert.True(tm.RemoveRelu);
    }

    [Fact]
    public void TorchScriptConversionsPassEveryFlag()
    {
        var tm = Convert(
            ModelFormat.TracedModule, ModelFormat.TorchScript, "tracedmodule_to_torchscript", "-o", _dir.File("t.pt"),
            "--graph_name", "ts", "--end_point", "z", "--input_data_type", "qint8", "--input_scales", "2", "--input_zero_points", "1");

        Assert.Equal(_dir.File("t.pt"), tm.Output);
        Assert.Equal("ts", tm.GraphName);
        Assert.Equal(["z"], tm.EndPoints!);
        Assert.Equal("qint8", tm.InputDataType);
        Assert.Equal([2f], tm.InputScales!);
        Assert.Equal([1L], tm.InputZeroPoints!);

        Assert.False(tm.KeepBatchNorm);

        var mge = Convert(ModelFormat.Mge, ModelFormat.TorchScript, "mge-to-torchscript", "-o", _dir.File("m.pt"), "--graph-name", "m", "--keep-bn");
        Assert.Equal("m", mge.GraphName);
        Assert.True(mge.KeepBatchNorm);
    }

    [Fact]
    public void OnnxToMegEngineConversionsPassEveryFlag()
    {
        var mge = Convert(
            ModelFormat.Onnx, ModelFormat.Mge, "onnx_to_mge", "-o", _dir.File("o.mge"), "--opset", "11", "--graph_name", "n",
            "--end_point", "e", "--frozen_input_shape", "--optimize_for_inference", "--mge_format", "MGBS");

        Assert.Equal(_dir.File("o.mge"), mge.Output);
        Assert.Equal(11, mge.Opset);
        Assert.Equal("n", mge.GraphName);
        Assert.Equal(["e"], mge.EndPoints!);
        Assert.True(mge.FrozenInputShape);
        Assert.True(mge.OptimizeForInference);
        Assert.Equal("MGBS", mge.MgeFormat);

        var tm = Convert(ModelFormat.Onnx, ModelFormat.TracedModule, "onnx-to-tracedmodule", "-o", _dir.File("o.tm"), "--frozen-input-shape");
        Assert.True(tm.FrozenInputShape);
        Assert.Equal("mgv2", tm.MgeFormat);
    }

    private static void AssertQuantization(ConversionOptions o, string dtype, float[] scales, long[] zeroPoints, string file)
    {
        Assert.Equal(dtype, o.InputDataType);
        Assert.Equal(scales, o.InputScales!);
        Assert.Equal(zeroPoints, o.InputZeroPoints!);
        Assert.True(o.RequireQuantize);
        Assert.True(o.ParamFakeQuant);
        Assert.Equal(file, o.QuantizeFilePath);
    }

    /// <summary>Runs the command on a fake model; returns the options the reader and the writer both received.</summary>
    private ConversionOptions Convert(ModelFormat from, ModelFormat to, string command, params string[] flags)
    {
        var input = FakeModel.Create(_dir.Path, from, $"in-{from}.fake");
        var converter = new Converter(new FormatRegistry(_readers.Values, _writers.Values));

        var run = CliRun.InProcess(converter, [command, "-i", input, .. flags]);

        Assert.True(run.ExitCode == 0, run.Error);
        var options = _writers[to].LastOptions;
        Assert.NotNull(options);
        Assert.Same(options, _readers[from].LastOptions);
        return options;
    }
}
