using MgeConvert.Formats;

namespace MgeConvert.Tests.Cli;

/// <summary>The CLI entry point in-process, against fake formats, so conversions can succeed and fail on purpose.</summary>
public sealed class CliConversionTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void SuccessfulConversionPrintsOpsFilesAndTime()
    {
        var input = FakeModel.Create(_dir.Path, ModelFormat.Mge);
        var output = _dir.File("out.onnx");

        var run = CliRun.InProcess(Fakes(out _, out _), "mge-to-onnx", "-i", input, "-o", output);

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Equal("", run.Error);
        Assert.Contains("(mge, fake-container) to onnx", run.Out, StringComparison.Ordinal);
        Assert.Contains("ops:   2 in -> 2 out", run.Out, StringComparison.Ordinal);
        Assert.Contains($"wrote: {output} (19 B)", run.Out, StringComparison.Ordinal);
        Assert.Matches(@"time:  \d+ ms \(read \d+ ms, passes \d+ ms, prepare \d+ ms, write \d+ ms\)", run.Out);
        Assert.Equal("converted: Relu,Add", File.ReadAllText(output));
        Assert.DoesNotContain("passes:", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void VerbosePrintsThePassLog()
    {
        var input = FakeModel.Create(_dir.Path, ModelFormat.Mge);
        var converter = new Converter(
            Fakes(out _, out _).Registry,
            GraphPipeline.From((graph, context) =>
            {
                context.Log.Add("RemoveIdentity: 2 -> 2 nodes");
                return graph;
            }));

        var run = CliRun.InProcess(converter, "mge_to_onnx", "-i", input, "-o", _dir.File("v.onnx"), "--verbose");

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.EndsWith($"  passes:{Environment.NewLine}    RemoveIdentity: 2 -> 2 nodes{Environment.NewLine}", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void RandomBytesAreAnUnknownFormatAndLeaveNoOutput()
    {
        var input = _dir.RandomFile("noise.mge");

        var run = CliRun.InProcess(Fakes(out _, out _), "mge_to_onnx", "-i", input, "-o", _dir.File("out.onnx"));

        run.AssertOneLineError("unknown model format (first bytes: ");
        Assert.Contains("expected one of: MegEngine graph dump (.mge), MegEngine TracedModule (.tm), ONNX model (.onnx)", run.Error, StringComparison.Ordinal);
        Assert.Equal(["noise.mge"], _dir.Files());
    }

    [Fact]
    public void ModelOfAnotherFormatNamesBothFormats()
    {
        var input = FakeModel.Create(_dir.Path, ModelFormat.TracedModule, "model.tm");

        var run = CliRun.InProcess(Fakes(out _, out _), "mge_to_onnx", "-i", input, "-o", _dir.File("out.onnx"));

        run.AssertOneLineError("model.tm: detected MegEngine TracedModule (.tm), but this conversion expects MegEngine graph dump (.mge)");
        Assert.Equal(["model.tm"], _dir.Files());
    }

    [Fact]
    public void WriterFailingMidwayLeavesThePreviousOutputUntouched()
    {
        var input = FakeModel.Create(_dir.Path, ModelFormat.Mge);
        var output = _dir.File("out.onnx");
        File.WriteAllText(output, "previous");
        var converter = new Converter(new FormatRegistry(
            [new FakeReader(ModelFormat.Mge)],
            [new FakeWriter(ModelFormat.Onnx) { FailWhileWriting = new IOException("No space left on device (simulated)") }]));

        var run = CliRun.InProcess(converter, "mge_to_onnx", "-i", input, "-o", output);

        run.AssertOneLineError("No space left on device (simulated)");
        Assert.Equal(["model.fake", "out.onnx"], _dir.Files());
        Assert.Equal("previous", File.ReadAllText(output));
    }

    [Fact]
    public void UnexpectedExceptionIsOneInternalErrorLine()
    {
        var input = FakeModel.Create(_dir.Path, ModelFormat.Mge);
        var converter = new Converter(new FormatRegistry(
            [new FakeReader(ModelFormat.Mge)],
            [new FakeWriter(ModelFormat.Onnx) { FailInPrepare = new InvalidOperationException("bug\nsecond line") }]));

        var run = CliRun.InProcess(converter, "mge_to_onnx", "-i", input, "-o", _dir.File("out.onnx"));

        run.AssertOneLineError("error: internal error: InvalidOperationException: bug second line");
        Assert.Equal(["model.fake"], _dir.Files());
    }

    [Fact]
    public void UnsupportedOpsAreAllListed()
    {
        var input = FakeModel.Create(_dir.Path, ModelFormat.Mge);
        var ops = new[] { new UnsupportedOp("Relu", "relu"), new UnsupportedOp("Add", "add", "broadcast of rank 5") };
        var converter = new Converter(new FormatRegistry(
            [new FakeReader(ModelFormat.Mge)],
            [new FakeWriter(ModelFormat.Onnx) { FailInPrepare = new UnsupportedOpsException(input, "ONNX opset 13", ops) }]));

        var run = CliRun.InProcess(converter, "mge_to_onnx", "-i", input, "-o", _dir.File("out.onnx"));

        Assert.Equal(1, run.ExitCode);
        Assert.Equal(
            [$"error: {input}: 2 operator(s) not supported by ONNX opset 13:", "unsupported op Relu (node relu)", "unsupported op Add (node add): broadcast of rank 5"],
            run.ErrorLines);
        Assert.Equal(["model.fake"], _dir.Files());
    }

    [Fact]
    public void MissingWriterSaysTheConversionIsNotAvailable()
    {
        var input = FakeModel.Create(_dir.Path, ModelFormat.Mge);
        var converter = new Converter(new FormatRegistry([new FakeReader(ModelFormat.Mge)], []));

        var run = CliRun.InProcess(converter, "mge_to_caffe", "-i", input, "-c", _dir.File("a.prototxt"), "-b", _dir.File("a.caffemodel"));

        run.AssertOneLineError("mge → caffe is not available yet (no Caffe model (.prototxt + .caffemodel) writer in this build)");
        Assert.Equal(["model.fake"], _dir.Files());
    }

    [Fact]
    public void InspectPrintsFormatInputsOutputsAndOps()
    {
        var input = FakeModel.Create(_dir.Path, ModelFormat.Mge);

        var run = CliRun.InProcess(Fakes(out _, out _), "inspect", input);

        Assert.True(run.ExitCode == 0, run.Error);
        var lines = run.Out.Split('\n').Select(l => l.TrimEnd()).ToList();
        Assert.Contains("format:          MegEngine graph dump (.mge), container fake-container", lines);
        Assert.Contains("nodes:           2 (2 distinct ops)", lines);
        Assert.Contains("constants:       1 (16 B)", lines);
        Assert.Equal(["inputs:", "  x  f32  [1,4]", "outputs:", "  add  f32  [1,4]", "ops:", "  Add        1", "  Relu       1"],
            lines.SkipWhile(l => l != "inputs:").Take(7));
        Assert.Contains("  made by the fake reader", lines);
    }

    [Fact]
    public void TerminalOutputUsesTablesAndStillSummarizesConversions()
    {
        var input = FakeModel.Create(_dir.Path, ModelFormat.Mge);

        var inspect = CliRun.InProcess(Fakes(out _, out _), terminal: true, "inspect", input);
        var convert = CliRun.InProcess(Fakes(out _, out _), terminal: true, "mge_to_onnx", "-i", input, "-o", _dir.File("t.onnx"));

        Assert.True(inspect.ExitCode == 0, inspect.Error);
        Assert.Contains("Operators", inspect.Out, StringComparison.Ordinal);
        Assert.Matches(@"│ Relu\s+│\s+1 │", inspect.Out);
        Assert.Matches(@"│ x\s+│ f32\s+│ \[1,4\]\s+│", inspect.Out);
        Assert.True(convert.ExitCode == 0, convert.Error);
        Assert.Matches(@"│ total\s+│\s+2 │\s+2 │", convert.Out);
        Assert.Matches(@"│ Relu\s+│\s+1 │\s+1 │", convert.Out);
        Assert.True(File.Exists(_dir.File("t.onnx")));
    }

    [Fact]
    public void ProgressAppearsOnlyWhenAConversionTakesMoreThanAMoment()
    {
        var input = FakeModel.Create(_dir.Path, ModelFormat.Mge);
        var slow = new Converter(Fakes(out _, out _).Registry, GraphPipeline.From((graph, _) =>
        {
            Thread.Sleep(700);
            return graph;
        }));

        CliRun.InProcess(Fakes(out _, out _), terminal: true, "mge_to_onnx", "-i", input, "-o", _dir.File("warm-up.onnx"));
        var fast = CliRun.InProcess(Fakes(out _, out _), terminal: true, "mge_to_onnx", "-i", input, "-o", _dir.File("fast.onnx"));
        var slowRun = CliRun.InProcess(slow, terminal: true, "mge_to_onnx", "-i", input, "-o", _dir.File("slow.onnx"));
        var failing = CliRun.InProcess(Fakes(out _, out _), terminal: true, "mge_to_onnx", "-i", _dir.RandomFile("noise.mge"), "-o", _dir.File("x.onnx"));

        Assert.True(fast.ExitCode == 0, fast.Error);
        Assert.DoesNotContain("Running passes...", fast.Out, StringComparison.Ordinal);
        Assert.True(slowRun.ExitCode == 0, slowRun.Error);
        Assert.Contains("Running passes...", slowRun.Out, StringComparison.Ordinal);
        failing.AssertOneLineError("unknown model format");
    }

    private static Converter Fakes(out FakeReader reader, out FakeWriter writer)
    {
        reader = new FakeReader(ModelFormat.Mge);
        writer = new FakeWriter(ModelFormat.Onnx);
        return new Converter(new FormatRegistry(
            [reader, new FakeReader(ModelFormat.TracedModule), new FakeReader(ModelFormat.Onnx)],
            [writer, new FakeWriter(ModelFormat.Mge), new FakeWriter(ModelFormat.Caffe)]));
    }
}
