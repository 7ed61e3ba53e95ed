using MgeConvert.Formats;
using MgeConvert.Formats.Mge;
using MgeConvert.Formats.TorchScript;
using MgeConvert.Ir;
using MgeConvert.IO;
using MgeConvert.Passes;
using MgeConvert.Tests.Support;
using MgeConvert.Tests.TorchScript;
using Xunit.Abstractions;

namespace MgeConvert.Tests.EndToEnd;

/// <summary>mge_to_torchscript on every .mge fixture: archives loaded by torch.jit.load in torch 1.13 against MegEngine's outputs.</summary>
public class MgeToTorchScriptTests(ITestOutputHelper output)
{
    /// <summary>Fixtures TorchScript can express; a drop means a regression.</summary>
    private const int MinimumPassing = 150;

    [Fact]
    public void EveryExpressibleMgeFixtureMatchesMegEngineInTorch()
    {
        using var temp = new Cli.TempDirectory();
        var unsupported = new List<string>();
        var mismatched = new List<string>();
        var converted = new List<(FixtureCase Fixture, Graph Graph, TorchRun Run)>();
        foreach (var fixture in FixtureCorpus.Cases(c => c.Kind == "mge" && c.ExpectOk))
        {
            var options = new ConversionOptions { Output = temp.File(fixture.Id.Replace('/', '_') + ".pt") };
            var graph = new MgeReader().Read(fixture.ModelPath, options).Graph;
            try
            {
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

        var results = TorchOracle.Run([.. converted.Select(c => c.Run)], temp.Path);
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

        output.WriteLine($"mge_to_torchscript: {passed} passed, {unsupported.Count} unsupported, {mismatched.Count} mismatched");
        unsupported.ForEach(u => output.WriteLine("unsupported " + u));
        mismatched.ForEach(m => output.WriteLine("mismatched " + m));
        Assert.True(mismatched.Count == 0, string.Join(Environment.NewLine, mismatched));
        Assert.True(passed >= MinimumPassing, $"only {passed} fixtures converted to TorchScript and matched");
    }

    [Fact]
    public void ArchiveIsByteIdenticalOnRerun()
    {
        using var temp = new Cli.TempDirectory();
        var fixture = FixtureCorpus.Load("nets/resnet_tiny_mgv2");
        var options = new ConversionOptions { Output = temp.File("resnet_tiny.pt") };

        byte[] Convert()
        {
            var graph = new MgeReader().Read(fixture.ModelPath, options).Graph;
            PassPipeline.Standard(ModelFormat.TorchScript, options).Run(graph);
            return TorchScriptWriter.Serialize(graph, options.Output!);
        }

        var first = Convert();
        var second = Convert();
        Assert.True(first.Length > 1000, $"archive of {first.Length} bytes");
        Assert.Equal(first, second);
    }
}
