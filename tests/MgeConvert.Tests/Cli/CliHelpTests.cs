using System.Text.RegularExpressions;

namespace MgeConvert.Tests.Cli;

public partial class CliHelpTests
{
    private static readonly string[] Input = ["-i", "--input"];
    private static readonly string[] Output = ["-o", "--output"];
    private static readonly string[] EndPoint = ["--end_point", "--end-point", "--outspec"];
    private static readonly string[] GraphName = ["--graph_name", "--graph-name"];
    private static readonly string[] Onnx = ["--opset", .. GraphName, .. EndPoint, "--frozen_input_shape", "--frozen-input-shape"];
    private static readonly string[] KeepBn = ["--keep_bn", "--keep-bn"];
    private static readonly string[] Optimize = ["--optimize-for-inference", "--optimize_for_inference"];
    private static readonly string[] QuantInputs =
        ["--input_data_type", "--input-data-type", "--input_scales", "--input-scales", "--input_zero_points", "--input-zero-points"];

    private static readonly string[] Quant =
    [
        .. QuantInputs, "--require_quantize", "--require-quantize", "--param_fake_quant", "--param-fake-quant",
        "--quantize_file_path", "--quantize-file-path",
    ];

    private static readonly string[] Caffe =
    [
        "-c", "--prototxt", "-b", "--caffemodel", .. EndPoint, "--use_empty_blobs", "--use-empty-blobs",
        "--convert_backend", "--convert-backend",
    ];

    private static readonly string[] Tflite =
    [
        .. Output, .. GraphName, .. EndPoint, "--mtk", "--prefer_same_pad_mode", "--prefer-same-pad-mode",
        "--use_int64_bias", "--use-int64-bias", "--disable_nhwc", "--disable-nhwc",
    ];

    private static readonly string[] Help =
    [
        "-?", "-h", "--help", "-v", "--verbose", "--verify", "--verify-input", "--verify_input", "--verify-atol", "--verify_atol",
        "--verify-rtol", "--verify_rtol", "--verify-seed", "--verify_seed", "--report",
    ];

    public static TheoryData<string, string[]> Subcommands => new()
    {
        { "mge_to_onnx", [.. Input, .. Output, .. Onnx, .. Optimize, .. KeepBn] },
        { "tracedmodule_to_onnx", [.. Input, .. Output, .. Onnx, .. Quant, .. KeepBn] },
        { "mge_to_caffe", [.. Input, .. Caffe] },
        { "tracedmodule_to_caffe", [.. Input, .. Caffe, .. Quant, "--split_conv_relu", "--split-conv-relu", "--fuse_bn", "--fuse-bn"] },
        { "mge_to_tflite", [.. Input, .. Tflite] },
        { "tracedmodule_to_tflite", [.. Input, .. Tflite, .. Quant, "--remove_relu", "--remove-relu"] },
        { "tracedmodule_to_torchscript", [.. Input, .. Output, .. GraphName, .. EndPoint, .. QuantInputs, .. KeepBn] },
        { "mge_to_torchscript", [.. Input, .. Output, .. GraphName, .. EndPoint, .. KeepBn] },
        { "onnx_to_mge", [.. Input, .. Output, .. Onnx, .. Optimize, "--mge_format", "--mge-format"] },
        { "onnx_to_tracedmodule", [.. Input, .. Output, .. Onnx] },
    };

    [Fact]
    public void RootHelpListsEverySubcommandInBothSpellings()
    {
        using var dir = new TempDirectory();
        var run = CliRun.Process(dir.Path, "--help");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("mgeconvert [command] [options]", run.Out, StringComparison.Ordinal);
        foreach (var name in Subcommands.Select(row => (string)row[0]))
        {
            Assert.Matches($@"(?m)^\s+{Regex.Escape(name.Replace('_', '-'))}, {Regex.Escape(name)}\s", run.Out);
        }

        Assert.Matches(@"(?m)^\s+inspect <model>\s", run.Out);
    }

    [Theory]
    [MemberData(nameof(Subcommands))]
    public void SubcommandHelpListsExactlyItsFlagsWithAliases(string command, string[] flags)
    {
        foreach (var spelling in new[] { command, command.Replace('_', '-') })
        {
            var run = CliRun.InProcess(new Converter(FormatRegistry.Empty), spelling, "--help");

            Assert.Equal(0, run.ExitCode);
            Assert.Contains($"mgeconvert {command} [options]", run.Out, StringComparison.Ordinal);
            Assert.Equal(flags.Concat(Help).Order(StringComparer.Ordinal), ListedFlags(run.Out).Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public void InspectHelpNamesTheModelArgument()
    {
        var run = CliRun.InProcess(new Converter(FormatRegistry.Empty), "inspect", "--help");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("mgeconvert inspect <model> [options]", run.Out, StringComparison.Ordinal);
    }

    /// <summary>Every flag spelling in the help's Options section ("-i, --input &lt;file&gt; (REQUIRED)  text").</summary>
    private static List<string> ListedFlags(string help)
    {
        var flags = new List<string>();
        var inOptions = false;
        foreach (var line in help.Split('\n'))
        {
            if (line.StartsWith("Options:", StringComparison.Ordinal))
            {
                inOptions = true;
                continue;
            }

            if (inOptions && line.TrimStart().StartsWith('-'))
            {
                var firstColumn = ColumnGap().Split(line.Trim())[0];
                var names = firstColumn.Split(' ')[0..].TakeWhile(p => p.StartsWith('-')).Select(p => p.TrimEnd(','));
                flags.AddRange(names);
            }
        }

        return flags;
    }

    [GeneratedRegex(@"\s{2,}")]
    private static partial Regex ColumnGap();
}
