using MgeConvert.Fuzz;
using Xunit.Abstractions;

namespace MgeConvert.Tests.Robustness;

/// <summary>
/// The CI slice of the fuzzer: a fixed-seed run per reader target. Any unhandled exception, hang or allocation over
/// the bound fails the test; the inputs are kept under the temp directory for reproduction (MgeConvert.Fuzz --repro).
/// </summary>
public sealed class FuzzSliceTests(ITestOutputHelper output)
{
    public const int Seed = 20261126;

    public const int InputsPerTarget = 8000;

    public static TheoryData<string> Targets => [.. FuzzTargets.All.Select(t => t.Name)];

    [Theory]
    [MemberData(nameof(Targets))]
    public void FixedSeedSliceFindsNothing(string target)
    {
        var options = new FuzzOptions
        {
            Count = InputsPerTarget,
            Seed = Seed,
            OutputDirectory = Path.Combine(Path.GetTempPath(), "mgeconvert-fuzz-ci", target),
        };
        var report = FuzzRunner.Run(FuzzTargets.Find(target), options);
        output.WriteLine(report.ToString());
        Assert.Equal(InputsPerTarget, report.Inputs);
        Assert.True(report.Accepted > 0 && report.Rejected > 0, $"the slice should reach both outcomes: {report}");
        Assert.True(report.Findings.Count == 0, string.Join(Environment.NewLine, report.Findings.Select(f => $"{f.Kind} {f.Signature} → {f.SavedAs}")));
    }
}
