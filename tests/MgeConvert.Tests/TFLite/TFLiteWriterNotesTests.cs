using MgeConvert.Formats;
using MgeConvert.Formats.TFLite;
using MgeConvert.Tests.Support;
using Xunit.Abstractions;

namespace MgeConvert.Tests.TFLite;

/// <summary>The conversion result carries the TFLite writer's transpose count for the CLI summary.</summary>
public class TFLiteWriterNotesTests(ITestOutputHelper output)
{
    [Fact]
    public void ConversionResultReportsTfliteTransposeCount()
    {
        using var temp = new Cli.TempDirectory();
        var fixture = FixtureCorpus.Cases(c => c.Id == "nets/resnet_tiny_mgv2").Single();
        var converter = new Converter(FormatRegistry.Default.With(new TFLiteWriter()), BuiltInFormats.Pipeline());
        var result = converter.Convert(ModelFormat.Mge, ModelFormat.TFLite, fixture.ModelPath,
            new ConversionOptions { Output = temp.File("resnet.tflite") });
        result.WriterNotes.ToList().ForEach(output.WriteLine);
        var note = Assert.Single(result.WriterNotes);
        Assert.Contains("1 TRANSPOSE (1 for input/output layout, 0 for layout between ops)", note, StringComparison.Ordinal);
    }

    [Fact]
    public void CliSummaryPrintsTfliteTransposeCount()
    {
        using var temp = new Cli.TempDirectory();
        var fixture = FixtureCorpus.Cases(c => c.Id == "ops_mge/conv2d_transpose").Single();
        var converter = new Converter(FormatRegistry.Default.With(new TFLiteWriter()), BuiltInFormats.Pipeline());

        var run = Cli.CliRun.InProcess(converter, "mge_to_tflite", "-i", fixture.ModelPath, "-o", temp.File("deconv.tflite"));

        output.WriteLine(run.Out);
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("  note:  ", run.Out, StringComparison.Ordinal);
        Assert.Contains("2 TRANSPOSE (2 for input/output layout, 0 for layout between ops)", run.Out, StringComparison.Ordinal);
    }
}
