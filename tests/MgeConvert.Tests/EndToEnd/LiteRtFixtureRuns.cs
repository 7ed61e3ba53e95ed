using MgeConvert.Ir;
using MgeConvert.Tests.Support;
using MgeConvert.Tests.TFLite;

namespace MgeConvert.Tests.EndToEnd;

/// <summary>The LiteRT half of a fixture corpus test: run every converted model, compare with MegEngine's outputs.</summary>
internal static class LiteRtFixtureRuns
{
    /// <summary>Returns how many models matched; each other one is added to <paramref name="mismatched"/> with the reason.</summary>
    public static int RunAndCompare(IReadOnlyList<(FixtureCase Fixture, Graph Graph, LiteRtRun Run)> converted, List<string> mismatched)
    {
        var results = LiteRtOracle.Run([.. converted.Select(c => c.Run)]);
        var passed = 0;
        for (var i = 0; i < converted.Count; i++)
        {
            var (fixture, graph, _) = converted[i];
            if (results[i].Error is { } error)
            {
                mismatched.Add($"{fixture.Id}: LiteRT refused the model: {error.Split('\n')[0]}");
                continue;
            }

            var actual = results[i].Outputs.Select(o => Tensor.Create(DataType.Float64, new Shape(o.Data.Length), o.Data)).ToList();
            var problems = FixtureComparison.Compare(fixture, graph, actual);
            if (problems.Count == 0)
            {
                passed++;
            }
            else
            {
                mismatched.Add($"{fixture.Id}: {string.Join("; ", problems)}");
            }
        }

        return passed;
    }
}
