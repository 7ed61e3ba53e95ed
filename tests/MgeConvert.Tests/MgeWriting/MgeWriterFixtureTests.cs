using MgeConvert.Formats;
using MgeConvert.Tests.EndToEnd;
using MgeConvert.Tests.Support;
using Xunit.Abstractions;

namespace MgeConvert.Tests.MgeWriting;

/// <summary>
/// Every loadable .mge fixture → read → written as mgv2, MGBC and MGBS → read back → ONNX → ONNX Runtime,
/// compared with the outputs MegEngine itself computed for the fixture.
/// </summary>
public class MgeWriterFixtureTests(ITestOutputHelper output)
{
    [Fact]
    public void EveryMgeFixtureSurvivesEveryContainer()
    {
        var cases = FixtureCorpus.Cases(c => c.Kind == "mge" && c.ExpectOk).ToList();
        using var temp = new Cli.TempDirectory();
        var passed = new Dictionary<string, int>();
        var failures = new List<string>();
        foreach (var fixture in cases)
        {
            foreach (var container in MgeWriteHarness.Containers)
            {
                try
                {
                    var (_, graph) = MgeWriteHarness.Write(ModelFormat.Mge, fixture.ModelPath, temp.File($"{fixture.Id.Replace('/', '_')}.{container}.mge"), container);
                    var inputs = graph.Inputs.Zip(fixture.Inputs).ToDictionary(p => p.First.Name,
                        p => fixture.Inputs.FirstOrDefault(i => i.Name == p.First.Name) is { Data: not null } named ? named.Data : p.Second.Data, StringComparer.Ordinal);
                    var problems = FixtureComparison.Compare(fixture, graph, MgeWriteHarness.RunInOrt(graph, inputs));
                    if (problems.Count == 0)
                    {
                        passed[container] = passed.GetValueOrDefault(container) + 1;
                    }
                    else
                    {
                        failures.Add($"{fixture.Id} → {container}: {string.Join("; ", problems)}");
                    }
                }
                catch (Exception e) when (e is ModelFormatException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException)
                {
                    failures.Add($"{fixture.Id} → {container}: {e.Message}");
                }
            }
        }

        foreach (var container in MgeWriteHarness.Containers)
        {
            output.WriteLine($"mge → {container}: {passed.GetValueOrDefault(container)}/{cases.Count} passed");
        }

        failures.ForEach(output.WriteLine);
        Assert.True(cases.Count >= 100, $"only {cases.Count} mge fixtures found");
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }
}
