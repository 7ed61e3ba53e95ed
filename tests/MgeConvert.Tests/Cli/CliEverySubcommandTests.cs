using System.Text.Json;
using MgeConvert.Tests.Support;

namespace MgeConvert.Tests.Cli;

/// <summary>
/// Every conversion subcommand run through the real binary on a real model with every one of its flags set (in
/// alternating spellings), verified and reported; the report's provenance options show the flags arrived.
/// </summary>
public sealed class CliEverySubcommandTests : IDisposable
{
    private static readonly string Mge = Path.Combine(SampleConversionTests.RepositoryRoot(), "samples", "resnet_tiny.mge");
    private static readonly string MgeInput = Path.Combine(SampleConversionTests.RepositoryRoot(), "samples", "input_0.npy");
    private static readonly string Tm = Path.Combine(FixtureCorpus.Root, "nets", "resnet_tiny_tm", "model.tm");
    private static readonly string[] Common = ["--verify", "--verify-atol", "1e-5", "--verify_rtol", "1e-5", "--verify-seed", "7", "-v", "--report", "report.json"];
    private static readonly string[] TmQuantInputs = ["--input_data_type", "qint8", "--input-zero-points", "0"];
    private static readonly string[] TmQuant = [.. TmQuantInputs, "--param_fake_quant", "--quantize-file-path", "q.json"];
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    public static TheoryData<string, string[], string[]> Commands => new()
    {
        {
            "mge_to_onnx",
            ["-i", Mge, "-o", "m.onnx", "--opset", "11", "--graph_name", "g", "--end_point", "out", "--frozen_input_shape", "--optimize-for-inference", "--verify-input", MgeInput],
            ["opset=11", "graph_name=g", "end_point=out", "frozen_input_shape=True", "optimize_for_inference=True"]
        },
        {
            "tracedmodule-to-onnx",
            ["--input", Tm, "--output", "t.onnx", "--opset", "17", "--graph-name", "g", "--end-point", "softmax_out", "--frozen-input-shape", "--require_quantize", .. TmQuant],
            ["opset=17", "graph_name=g", "end_point=softmax_out", "input_data_type=qint8", "input_zero_points=0", "require_quantize=True", "param_fake_quant=True"]
        },
        {
            "mge_to_caffe",
            ["-i", Mge, "-c", "m.prototxt", "-b", "m.caffemodel", "--end_point", "out", "--use_empty_blobs", "--convert_backend", "snpe"],
            ["end_point=out", "use_empty_blobs=True", "convert_backend=2"]
        },
        {
            "tracedmodule_to_caffe",
            ["-i", Tm, "--prototxt", "t.prototxt", "--caffemodel", "t.caffemodel", "--outspec", "softmax_out", "--use-empty-blobs", "--convert-backend", "4",
                "--split_conv_relu", "--fuse-bn", .. TmQuant],
            ["end_point=softmax_out", "use_empty_blobs=True", "convert_backend=4", "split_conv_relu=True", "fuse_bn=True", "input_data_type=qint8"]
        },
        {
            "mge-to-tflite",
            ["-i", Mge, "-o", "m.tflite", "--graph-name", "g", "--outspec", "out", "--mtk", "--prefer_same_pad_mode", "--use-int64-bias", "--disable_nhwc"],
            ["graph_name=g", "end_point=out", "mtk=True", "prefer_same_pad_mode=True", "use_int64_bias=True", "disable_nhwc=True"]
        },
        {
            "tracedmodule_to_tflite",
            ["-i", Tm, "-o", "t.tflite", "--graph_name", "g", "--end_point", "softmax_out", "--mtk", "--prefer-same-pad-mode", "--use_int64_bias",
                "--remove_relu", .. TmQuant],
            ["graph_name=g", "end_point=softmax_out", "remove_relu=True", "input_data_type=qint8", "param_fake_quant=True"]
        },
        {
            "tracedmodule_to_torchscript",
            ["-i", Tm, "-o", "t.pt", "--graph_name", "g", "--end_point", "softmax_out", .. TmQuantInputs],
            ["graph_name=g", "end_point=softmax_out", "input_data_type=qint8", "input_zero_points=0"]
        },
        {
            "mge-to-torchscript",
            ["-i", Mge, "-o", "m.pt", "--graph-name", "g", "--end-point", "out"],
            ["graph_name=g", "end_point=out"]
        },
    };

    [Theory]
    [MemberData(nameof(Commands))]
    public void EveryFlagReachesTheConversion(string command, string[] args, string[] expectedOptions)
    {
        var run = CliRun.Process(_dir.Path, [command, .. args, .. Common]);

        // --remove_relu changes results by design, and --verify says so.
        var changesResults = args.Contains("--remove_relu");
        Assert.True(run.ExitCode == (changesResults ? 1 : 0), run.Error + run.Out);
        Assert.Contains("verify: source (reference interpreter)", run.Out, StringComparison.Ordinal);
        Assert.Contains(args.Contains("--verify-input") ? MgeInput : "random (seed 7)", run.Out, StringComparison.Ordinal);
        using var report = JsonDocument.Parse(File.ReadAllBytes(_dir.File("report.json")));
        var options = report.RootElement.GetProperty("options").EnumerateObject().Select(p => $"{p.Name}={p.Value.GetString()}").ToList();
        foreach (var expected in expectedOptions)
        {
            Assert.Contains(expected, options);
        }

        Assert.Equal(!changesResults, report.RootElement.GetProperty("verify").GetProperty("passed").GetBoolean());
    }

    [Theory]
    [InlineData("onnx_to_mge", "converted.mge", "--optimize-for-inference", "--mge_format", "MGBC")]
    [InlineData("onnx-to-tracedmodule", "converted.tm")]
    public void OnnxToMegEngineCommandsTakeEveryFlag(string command, string output, params string[] extra)
    {
        var onnx = CliRun.Process(_dir.Path, "mge_to_onnx", "-i", Mge, "-o", "in.onnx");
        Assert.True(onnx.ExitCode == 0, onnx.Error);

        var run = CliRun.Process(_dir.Path,
            [command, "-i", "in.onnx", "-o", output, "--opset", "13", "--graph_name", "g", "--end_point", "out", "--frozen_input_shape", .. extra, .. Common]);

        Assert.True(run.ExitCode == 0, run.Error + run.Out);
        Assert.True(File.Exists(_dir.File(output)));
        using var report = JsonDocument.Parse(File.ReadAllBytes(_dir.File("report.json")));
        Assert.True(report.RootElement.GetProperty("verify").GetProperty("passed").GetBoolean());
    }
}
