using MgeConvert.Formats;

namespace MgeConvert.Tests.Cli;

/// <summary>The exit-code and error-line contract, checked against the real CLI in a child process.</summary>
public class CliExitCodeTests
{
    /// <summary>Every conversion subcommand with its source and target.</summary>
    private static readonly (string Command, ModelFormat From, ModelFormat To)[] Conversions =
    [
        ("mge_to_onnx", ModelFormat.Mge, ModelFormat.Onnx),
        ("mge_to_caffe", ModelFormat.Mge, ModelFormat.Caffe),
        ("mge_to_tflite", ModelFormat.Mge, ModelFormat.TFLite),
        ("mge_to_torchscript", ModelFormat.Mge, ModelFormat.TorchScript),
        ("tracedmodule_to_onnx", ModelFormat.TracedModule, ModelFormat.Onnx),
        ("tracedmodule_to_caffe", ModelFormat.TracedModule, ModelFormat.Caffe),
        ("tracedmodule_to_tflite", ModelFormat.TracedModule, ModelFormat.TFLite),
        ("tracedmodule_to_torchscript", ModelFormat.TracedModule, ModelFormat.TorchScript),
        ("onnx_to_mge", ModelFormat.Onnx, ModelFormat.Mge),
        ("onnx_to_tracedmodule", ModelFormat.Onnx, ModelFormat.TracedModule),
    ];

    [Fact]
    public void MissingInputFileFailsWithOneLineAndNoOutput()
    {
        using var dir = new TempDirectory();

        var run = CliRun.Process(dir.Path, "mge_to_onnx", "-i", "missing.mge", "-o", "out.onnx");

        run.AssertOneLineError("missing.mge: input file not found");
        Assert.Empty(dir.Files());
    }

    [Fact]
    public void UnknownFlagIsAUsageError()
    {
        using var dir = new TempDirectory();

        var run = CliRun.Process(dir.Path, "mge_to_onnx", "-i", "in.mge", "-o", "out.onnx", "--no_such_flag");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("error: Unrecognized command or argument '--no_such_flag'", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
        Assert.Empty(dir.Files());
    }

    [Theory]
    [InlineData("mge_to_onnx", "-i", "in.mge")]
    [InlineData("mge_to_onnx", "-i", "in.mge", "-o", "out.onnx", "--opset", "6")]
    [InlineData("mge_to_onnx", "-i", "in.mge", "-o", "out.onnx", "--opset", "22")]
    [InlineData("mge_to_caffe", "-i", "in.mge", "-c", "a.prototxt", "-b", "a.caffemodel", "--convert_backend", "tensorrt")]
    [InlineData("tracedmodule_to_tflite", "-i", "in.tm", "-o", "o.tflite", "--input_scales", "abc")]
    [InlineData("tracedmodule_to_tflite", "-i", "in.tm", "-o", "o.tflite", "--input_data_type", "float32")]
    [InlineData("no_such_command")]
    [InlineData]
    public void BadCommandLinesExitWithTwo(params string[] args)
    {
        using var dir = new TempDirectory();

        var run = CliRun.Process(dir.Path, args);

        Assert.True(run.ExitCode == 2, $"exit {run.ExitCode}: {run.Error}");
        Assert.StartsWith("error: ", run.ErrorLines[0], StringComparison.Ordinal);
        Assert.Contains("--help' for usage.", run.ErrorLines[^1], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void InspectOfRandomBytesSaysUnknownFormat()
    {
        using var dir = new TempDirectory();
        dir.RandomFile("noise.bin");

        var run = CliRun.Process(dir.Path, "inspect", "noise.bin");

        run.AssertOneLineError("noise.bin at byte 0: unknown model format (first bytes: ");
    }

    [Fact]
    public void ConvertingRandomBytesFailsWithOneLineAndLeavesNoOutput()
    {
        using var dir = new TempDirectory();
        dir.RandomFile("noise.mge");

        var run = CliRun.Process(dir.Path, "mge_to_onnx", "-i", "noise.mge", "-o", "out.onnx");

        run.AssertOneLineError("noise.mge");
        Assert.Equal(["noise.mge"], dir.Files());
    }

    [Fact]
    public void EveryConversionRefusesAFileOfTheWrongFormatWithOneLine()
    {
        using var dir = new TempDirectory();
        dir.RandomFile("model.bin");
        foreach (var (command, _, to) in Conversions)
        {
            string[] outputs = to == ModelFormat.Caffe ? ["-c", "out.prototxt", "-b", "out.caffemodel"] : ["-o", "out.model"];

            var run = CliRun.Process(dir.Path, [command, "-i", "model.bin", .. outputs]);

            run.AssertOneLineError("model.bin");
            Assert.Equal(["model.bin"], dir.Files());
        }
    }
}
