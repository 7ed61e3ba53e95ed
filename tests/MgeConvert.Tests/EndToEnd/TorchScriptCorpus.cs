using MgeConvert.Formats;
using MgeConvert.Formats.TorchScript;
using MgeConvert.Ir;
using MgeConvert.IO;
using MgeConvert.Passes;
using MgeConvert.Tests.Support;
using MgeConvert.Tests.TorchScript;
using Xunit.Abstractions;

namespace MgeConvert.Tests.EndToEnd;

/// <summary>Converts fixtures to TorchScript, runs them all in a torch oracle and compares with MegEngine.</summary>
internal static class TorchScriptCorpus
{
    /// <summary>Runs archives in torch 1.13 (python3-torch, one subprocess) given a scratch directory.</summary>
    public static IReadOnlyList<TorchResult> Torch113(IReadOnlyList<TorchRun> runs, string workDirectory) => TorchOracle.Run(runs, workDirectory);

    /// <summary>Runs archives in libtorch 2.10 (TorchSharp, in process).</summary>
    public static IReadOnlyList<TorchResult> LibTorch210(IReadOnlyList<TorchRun> runs, string workDirectory) => LibTorchOracle.Run(runs);

    public static (int Passed, List<string> Unsupported, List<string> Mismatched) Run(
        IEnumerable<FixtureCase> fixtures, Func<FixtureCase, ConversionOptions, Graph> read)
        => Run(fixtures, read, Torch113);

    public static (int Passed, List<string> Unsupported, List<string> Mismatched) Run(
        IEnumerable<FixtureCase> fixtures,
        Func<FixtureCase, ConversionOptions, Graph> read,
        Func<IReadOnlyList<TorchRun>, string, IReadOnlyList<TorchResult>> oracle)
    {
        using var temp = new Cli.TempDirectory();
        var unsupported = new List<string>();
        var mismatched = new List<string>();
        var converted = new List<(FixtureCase Fixture, Graph Graph, TorchRun Run)>();
        foreach (var fixture in fixtures)
        {
            var options = new ConversionOptions { Output = temp.File(fixture.Id.Replace('/', '_') + ".pt") };
            try
            {
                var graph = read(fixture, options);
                PassPipeline.Standard(ModelFormat.TorchScript, options).Run(graph);
                var file = new TorchScriptWriter().Prepare(graph, options).Single();
                AtomicFile.Write(file.Path, file.WriteTo);
                var inputs = graph.Inputs.Select(i => fixture.Inputs.Single(f => f.Name == i.Name).Data).ToList();
                converted.Add((fixture, graph, new TorchRun(file.Path, inputs)));
            }
            catch (UnsupportedOpsException e)
            {
                unsupported.Add($"{fixture.Id}: {string.Join(", ", e.Ops.Select(o => o.Reason is null ? o.OpType : $"{o.OpType} ({o.Reason})").Distinct())}");
            }
        }

        var results = oracle([.. converted.Select(c => c.Run)], temp.Path);
        var passed = 0;
        for (var i = 0; i < converted.Count; i++)
        {
            var (fixture, graph, _) = converted[i];
            if (results[i].Error is { } error)
            {
                mismatched.Add($"{fixture.Id}: torch refused the archive: {error.Trim().Split('\n')[^1]}");
                continue;
            }

            var problems = FixtureComparison.Compare(fixture, graph, results[i].Outputs);
            if (problems.Count == 0)
            {
                passed++;
            }
            else
            {
                mismatched.Add($"{fixture.Id}: {string.Join("; ", problems)}");
            }
        }

        return (passed, unsupported, mismatched);
    }

    public static void Report(ITestOutputHelper output, string label, (int Passed, List<string> Unsupported, List<string> Mismatched) result, int minimumPassing)
    {
        var (passed, unsupported, mismatched) = result;
        output.WriteLine($"{label}: {passed} passed, {unsupported.Count} unsupported, {mismatched.Count} mismatched");
        unsupported.ForEach(u => output.WriteLine("unsupported " + u));
        mismatched.ForEach(m => output.WriteLine("mismatched " + m));
        Assert.True(mismatched.Count == 0, string.Join(Environment.NewLine, mismatched));
        Assert.True(passed >= minimumPassing, $"only {passed} fixtures converted to TorchScript and matched");
    }
}
