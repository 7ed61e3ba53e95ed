using MgeConvert.Formats;
using MgeConvert.Tests.Cli;
using MgeConvert.Tests.Support;

namespace MgeConvert.Tests.EndToEnd;

/// <summary>The mge_to_onnx and inspect commands on the fixture corpus, as a user runs them.</summary>
public class MgeCliTests
{
    public static TheoryData<string> RejectCases => FixtureCorpus.Ids(c => c.Kind == "mge" && !c.ExpectOk);

    [Theory]
    [MemberData(nameof(RejectCases))]
    public void RejectedFixtureGivesOneErrorAndNoOutput(string id) =>
        AssertRejected(FixtureCorpus.Load(id).ModelPath);

    [Fact]
    public void TruncatedRandomAndPickleFilesGiveOneErrorAndNoOutput()
    {
        using var temp = new TempDirectory();
        var model = File.ReadAllBytes(FixtureCorpus.Load("nets/resnet_tiny_mgv2").ModelPath);
        var truncated = temp.File("truncated.mge");
        File.WriteAllBytes(truncated, model[..(model.Length / 3)]);
        AssertRejected(truncated);
        AssertRejected(temp.RandomFile("random.mge"));
        AssertRejected(FixtureCorpus.Load("negative/pickle_state_dict").ModelPath);
    }

    [Fact]
    public void InspectListsInputsAndOperatorsOfEveryFixture()
    {
        var converter = new Converter();
        foreach (var fixture in FixtureCorpus.Cases(c => c.Kind == "mge" && c.ExpectOk))
        {
            var summary = converter.Inspect(fixture.ModelPath);
            Assert.Equal(ModelFormat.Mge, summary.Format);
            foreach (var input in fixture.Json.GetProperty("inputs").EnumerateArray())
            {
                var name = input.GetProperty("name").GetString();
                var shape = input.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
                var listed = summary.Inputs.SingleOrDefault(i => i.Name == name);
                Assert.True(listed is not null, $"{fixture.Id}: inspect does not list input {name}");
                Assert.Equal(shape, listed.Shape.ToArray());
            }

            var computes = fixture.Json.GetProperty("ops").EnumerateArray().Any(o => o.GetString() is not ("Host2DeviceCopy" or "ImmutableTensor"));
            Assert.True(!computes || summary.Ops.Count > 0, $"{fixture.Id}: inspect lists no operators");
            var text = CliRun.InProcess(converter, "inspect", fixture.ModelPath);
            Assert.Equal(0, text.ExitCode);
        }
    }

    private static void AssertRejected(string model)
    {
        using var temp = new TempDirectory();
        var output = temp.File("out.onnx");
        var run = CliRun.InProcess(new Converter(), "mge_to_onnx", "-i", model, "-o", output);
        Assert.True(run.ExitCode == 1, $"exit {run.ExitCode}: {run.Error}");
        var line = Assert.Single(run.ErrorLines);
        Assert.StartsWith("error: ", line, StringComparison.Ordinal);
        Assert.Contains(Path.GetFileName(model), line, StringComparison.Ordinal);
        Assert.Empty(temp.Files());
    }
}
