using MgeConvert.Tests.Support;

namespace MgeConvert.Tests.Cli;

/// <summary>What the CLI tells about a written TFLite model: the TRANSPOSE count and where the transposes are.</summary>
public sealed class CliTfliteSummaryTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void QuantizedQatConversionReportsTransposesOnlyAtTheInterfaceAndWritesNoJson()
    {
        var input = FixtureCorpus.Load("quant/qconvbnrelu_pool_qat_tm").ModelPath;
        var output = _dir.File("q.tflite");

        var run = CliRun.InProcess(new Converter(), "tracedmodule_to_tflite", "-i", input, "-o", output, "--require_quantize",
            "--quantize_file_path", _dir.File("quant_params.json"));

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("2 TRANSPOSE (2 for input/output layout, 0 for layout between ops)", run.Out, StringComparison.Ordinal);
        Assert.Matches(@"\d+ of \d+ operators compute on quantized integers", run.Out);
        Assert.Equal(["q.tflite"], _dir.Files());
    }

    [Fact]
    public void DisableNhwcReportsTheTransposesBetweenOps()
    {
        var input = FixtureCorpus.Load("nets/resnet_tiny_tm").ModelPath;

        var run = CliRun.InProcess(new Converter(), "tracedmodule_to_tflite", "-i", input, "-o", _dir.File("r.tflite"), "--disable_nhwc");

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Matches(@"\d+ TRANSPOSE \(\d+ for input/output layout, [1-9]\d* for layout between ops\)", run.Out);
    }
}
