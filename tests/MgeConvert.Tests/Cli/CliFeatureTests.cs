using System.IO.Compression;
using System.Text;
using System.Text.Json;
using MgeConvert.Tests.Support;

namespace MgeConvert.Tests.Cli;

/// <summary>check, --verify, --report and provenance, driven through the real binary on the bundled sample and fixtures.</summary>
public sealed class CliFeatureTests : IDisposable
{
    private static readonly string Samples = Path.Combine(SampleConversionTests.RepositoryRoot(), "samples");
    private static readonly string Sample = Path.Combine(Samples, "resnet_tiny.mge");
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void VerifyRunsTheOnnxOutputInOnnxRuntime()
    {
        var run = CliRun.Process(_dir.Path, "mge_to_onnx", "-i", Sample, "-o", "r.onnx", "--verify", "--verify-input", Path.Combine(Samples, "input_0.npy"));

        Assert.True(run.ExitCode == 0, run.Error + run.Out);
        Assert.Contains("converted (ONNX Runtime)", run.Out, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^    out  \[1,10\]  max abs \S+  max rel \S+  ok$", run.Out);
    }

    [Theory]
    [InlineData("mge_to_tflite", "-o", "r.tflite")]
    [InlineData("mge_to_torchscript", "-o", "r.pt")]
    [InlineData("mge_to_caffe", "-c", "r.prototxt", "-b", "r.caffemodel")]
    public void VerifyOfOtherTargetsSaysWhatItChecked(string command, params string[] outputs)
    {
        var run = CliRun.Process(_dir.Path, [command, "-i", Sample, .. outputs, "--verify"]);

        Assert.True(run.ExitCode == 0, run.Error + run.Out);
        Assert.Contains("target runtime not available in-process; checked the written graph with the reference interpreter", run.Out, StringComparison.Ordinal);
        Assert.Contains("random (seed 0) inputs", run.Out, StringComparison.Ordinal);
        Assert.Matches(@"(?m)  ok$", run.Out);
    }

    [Theory]
    [InlineData("mge_to_onnx", "nets/multi_io_mgv2", "model.mge")]
    [InlineData("tracedmodule_to_onnx", "nets/multi_io_tm", "model.tm")]
    [InlineData("tracedmodule_to_tflite", "nets/multi_io_tm", "model.tm")]
    public void VerifyBindsFixtureInputsByName(string command, string id, string file)
    {
        var fixture = FixtureCorpus.Load(id);
        var inputs = fixture.Inputs.SelectMany((input, i) => new[] { "--verify-input", $"{input.Name}={Path.Combine(fixture.Directory, $"input_{i}.npy")}" });

        var run = CliRun.Process(_dir.Path, [command, "-i", Path.Combine(fixture.Directory, file), "-o", "multi.out", .. inputs]);

        Assert.True(run.ExitCode == 0, run.Error + run.Out);
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Matches(run.Out, @"(?m)^    \S+\s+\[[\d,]+\]  max abs \S+  max rel \S+  ok$").Count);
        Assert.Contains(fixture.Directory, run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void VerifyOverToleranceExitsOne()
    {
        var run = CliRun.Process(_dir.Path, "mge_to_onnx", "-i", Sample, "-o", "r.onnx", "--verify", "--verify-atol", "0", "--verify-rtol", "0", "--verify-seed", "3");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("OVER TOLERANCE", run.Out, StringComparison.Ordinal);
        Assert.Contains("error: --verify: out differ(s) from the source model by more than 0 + 0·|source|", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void VerifyInputOfTheWrongShapeIsAnError()
    {
        var run = CliRun.Process(_dir.Path, "mge_to_onnx", "-i", Sample, "-o", "r.onnx", "--verify-input", Path.Combine(Samples, "output_0.npy"));

        run.AssertOneLineError("output_0.npy: input data expects shape [1,3,32,32], the file holds [1,10]");
    }

    [Fact]
    public void ReportHoldsTheSummaryEveryOpMappingAndTheVerification()
    {
        var run = CliRun.Process(_dir.Path, "mge_to_tflite", "-i", Sample, "-o", "r.tflite", "--report", "report.json", "--verify");

        Assert.True(run.ExitCode == 0, run.Error);
        using var report = JsonDocument.Parse(File.ReadAllBytes(_dir.File("report.json")));
        var root = report.RootElement;
        Assert.Equal("mge_to_tflite", root.GetProperty("conversion").GetString());
        var ops = root.GetProperty("ops");
        Assert.Equal(23, ops.GetProperty("in").GetInt32());
        Assert.Equal(ops.GetProperty("in").GetInt32(), ops.GetProperty("by_type").EnumerateArray().Sum(r => r.GetProperty("in").GetInt32()));
        Assert.Contains(ops.GetProperty("target_by_type").EnumerateArray(), r => r.GetProperty("op").GetString() == "CONV_2D" && r.GetProperty("count").GetInt32() == 6);
        Assert.Equal(1, root.GetProperty("transposes").GetProperty("out").GetInt32());
        Assert.Equal(new FileInfo(_dir.File("r.tflite")).Length, root.GetProperty("outputs")[0].GetProperty("bytes").GetInt64());
        Assert.True(root.GetProperty("time_ms").GetProperty("total").GetDouble() > 0);
        var mapping = root.GetProperty("op_mapping").EnumerateArray().ToList();
        Assert.Equal(23, mapping.Count);
        Assert.All(mapping, m => Assert.Contains(m.GetProperty("status").GetString(), new[] { "kept", "rewritten", "removed" }));
        Assert.Contains(mapping, m => m.GetProperty("op").GetString() == "Relu" && m.GetProperty("status").GetString() == "removed");
        Assert.True(root.GetProperty("verify").GetProperty("passed").GetBoolean());
        Assert.Equal(64, root.GetProperty("source_sha256").GetString()!.Length);
    }

    [Fact]
    public void CheckListsEveryOpTheTargetCannotExpressWithReasonCodesAndWritesNothing()
    {
        var topk = Path.Combine(FixtureCorpus.Root, "ops_mge", "topk", "model.mge");
        var typecvt = Path.Combine(FixtureCorpus.Root, "ops_mge", "typecvt_i32", "model.mge");

        var fails = CliRun.Process(_dir.Path, "check", topk, "--to", "caffe");
        var dtype = CliRun.Process(_dir.Path, "check", typecvt, "--to", "caffe");
        var ok = CliRun.Process(_dir.Path, "check", Sample, "--to", "tflite");

        Assert.Equal(1, fails.ExitCode);
        Assert.Matches(@"(?m)^  NO_MAPPING\s+TopK\s+topk\s+Caffe has no layer for this op$", fails.Out);
        Assert.Matches(@"cannot be converted to caffe", fails.Out);
        Assert.Equal(1, dtype.ExitCode);
        Assert.Contains("NO_MAPPING", dtype.Out, StringComparison.Ordinal);
        Assert.True(ok.ExitCode == 0, ok.Error);
        Assert.Contains("ok: all 23 operators", ok.Out, StringComparison.Ordinal);
        Assert.Empty(_dir.Files());
    }

    [Fact]
    public void NoSubcommandIsAUsageErrorAsInTheOriginal()
    {
        var run = CliRun.Process(_dir.Path);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("error: please point out which framework you want to convert", run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--help", "mgeconvert check model.mge --to caffe")]
    [InlineData("tracedmodule_to_tflite --help", "mgeconvert tracedmodule_to_tflite -i model.tm -o model.tflite")]
    [InlineData("mge-to-caffe -h", "mgeconvert mge_to_caffe -i model.mge -c model.prototxt -b model.caffemodel")]
    [InlineData("onnx_to_mge --help", "mgeconvert onnx_to_mge -i model.onnx -o converted.mge")]
    [InlineData("check --help", "mgeconvert check model.mge --to tflite")]
    [InlineData("inspect --help", "mgeconvert inspect model.tm --graph")]
    [InlineData("completion --help", "mgeconvert completion fish")]
    public void HelpEndsWithExamples(string args, string example)
    {
        var run = CliRun.Process(_dir.Path, args.Split(' '));

        Assert.True(run.ExitCode == 0, run.Error);
        var examples = run.Out[run.Out.IndexOf("Examples:", StringComparison.Ordinal)..];
        Assert.Contains("  " + example, examples, StringComparison.Ordinal);
    }

    [Fact]
    public void RemoveReluRemovesEveryReluForTflite()
    {
        var model = Path.Combine(FixtureCorpus.Root, "nets", "resnet_tiny_tm", "model.tm");

        var plain = CliRun.Process(_dir.Path, "tracedmodule_to_tflite", "-i", model, "-o", "a.tflite", "-v");
        var removed = CliRun.Process(_dir.Path, "tracedmodule_to_tflite", "-i", model, "-o", "b.tflite", "--remove_relu", "-v", "--report", "b.json");

        Assert.True(plain.ExitCode == 0, plain.Error);
        Assert.True(removed.ExitCode == 0, removed.Error);
        Assert.Contains("RemoveRelu: 23 -> 18 nodes (Relu -5)", removed.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("RemoveRelu", plain.Out, StringComparison.Ordinal);
        // A removed Relu's result is produced by its input's producer from then on, so it maps into that op.
        var relus = Mappings(_dir.File("b.json")).Where(m => m.Op == "Relu").ToList();
        Assert.Equal(5, relus.Count);
        Assert.All(relus, m => Assert.DoesNotContain("Relu", m.Into));
    }

    private static List<(string Op, string Status, List<string> Into)> Mappings(string report)
    {
        using var json = JsonDocument.Parse(File.ReadAllBytes(report));
        return [.. json.RootElement.GetProperty("op_mapping").EnumerateArray().Select(m => (
            m.GetProperty("op").GetString()!,
            m.GetProperty("status").GetString()!,
            m.GetProperty("into").EnumerateArray().Select(i => i.GetProperty("op").GetString()!).ToList()))];
    }

    [Fact]
    public void CheckNeedsATarget()
    {
        var run = CliRun.Process(_dir.Path, "check", Sample);
        Assert.Equal(2, run.ExitCode);
        var bad = CliRun.Process(_dir.Path, "check", Sample, "--to", "keras");
        Assert.Equal(2, bad.ExitCode);
    }

    [Fact]
    public void EveryOutputCarriesProvenanceAndIsByteIdenticalOnReRun()
    {
        string[][] commands =
        [
            ["mge_to_onnx", "-o", "a.onnx"],
            ["mge_to_tflite", "-o", "a.tflite"],
            ["mge_to_torchscript", "-o", "a.pt"],
            ["mge_to_caffe", "-c", "a.prototxt", "-b", "a.caffemodel"],
        ];
        foreach (var command in commands)
        {
            var files = command.Skip(1).Where((_, i) => i % 2 == 1).ToList();
            var first = Run(command, files);
            var second = Run(command, files);
            for (var i = 0; i < files.Count; i++)
            {
                Assert.True(first[i].AsSpan().SequenceEqual(second[i]), $"{command[0]}: {files[i]} differs between two runs");
            }

            var text = files[0].EndsWith(".pt", StringComparison.Ordinal) ? ExtraFile(_dir.File(files[0])) : Encoding.Latin1.GetString(first[0]);
            Assert.Contains("\"converter\":\"mgeconvert\"", text, StringComparison.Ordinal);
            Assert.Contains("\"source_sha256\":\"d27bbc3b30eb3e4ebdd2262ef7a53cb5fe846f05966544238ec06e7673490cdc\"", text, StringComparison.Ordinal);
            Assert.Contains("\"source_file\":\"resnet_tiny.mge\"", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void MegEngineOutputsAreByteIdenticalOnReRunAndTheDumpCarriesProvenanceInUserInfo()
    {
        var onnx = CliRun.Process(_dir.Path, "mge_to_onnx", "-i", Sample, "-o", "in.onnx");
        Assert.True(onnx.ExitCode == 0, onnx.Error);
        foreach (var (command, file) in new[] { ("onnx_to_mge", "a.mge"), ("onnx_to_tracedmodule", "a.tm") })
        {
            var runs = Enumerable.Range(0, 2).Select(_ =>
            {
                var run = CliRun.Process(_dir.Path, command, "-i", "in.onnx", "-o", file);
                Assert.True(run.ExitCode == 0, run.Error);
                return File.ReadAllBytes(_dir.File(file));
            }).ToList();
            Assert.True(runs[0].AsSpan().SequenceEqual(runs[1]), $"{command}: {file} differs between two runs");
        }

        // Metadata.user_info holds pickle.dumps(user_info); ours is a protocol-0 pickle of the provenance json.
        var dump = File.ReadAllBytes(_dir.File("a.mge"));
        var text = Encoding.Latin1.GetString(dump);
        var start = text.IndexOf("V{\"", StringComparison.Ordinal);
        var end = text.IndexOf("}\n.", start, StringComparison.Ordinal) + 3;
        var userInfo = Assert.IsType<string>(MgeConvert.Formats.Pickle.PickleReader.Load(dump.AsMemory(start, end - start)));
        using var provenance = JsonDocument.Parse(userInfo);
        Assert.Equal("mgeconvert", provenance.RootElement.GetProperty("converter").GetString());
        Assert.Equal("in.onnx", provenance.RootElement.GetProperty("source_file").GetString());
    }

    private List<byte[]> Run(string[] command, List<string> files)
    {
        var run = CliRun.Process(_dir.Path, [command[0], "-i", Sample, .. command.Skip(1)]);
        Assert.True(run.ExitCode == 0, run.Error);
        return [.. files.Select(f => File.ReadAllBytes(_dir.File(f)))];
    }

    private static string ExtraFile(string archive)
    {
        using var zip = ZipFile.OpenRead(archive);
        var entry = zip.Entries.Single(e => e.FullName.EndsWith("/extra/mgeconvert_provenance.json", StringComparison.Ordinal));
        using var reader = new StreamReader(entry.Open());
        return reader.ReadToEnd();
    }
}
