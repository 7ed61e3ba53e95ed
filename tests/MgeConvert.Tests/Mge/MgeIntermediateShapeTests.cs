using MgeConvert.Formats.Mge;
using MgeConvert.Ir;
using MgeConvert.Tests.Support;
using Xunit.Abstractions;

namespace MgeConvert.Tests.Mge;

/// <summary>
/// Shapes of the named intermediate vars (case.json "graph", as MegEngine's loader sees them) equal the
/// shapes the reader infers for the IR values carrying the same names.
/// </summary>
public class MgeIntermediateShapeTests(ITestOutputHelper output)
{
    [Fact]
    public void IntermediateShapesMatchMegEngine()
    {
        int compared = 0, cases = 0;
        var mismatches = new List<string>();
        foreach (var c in FixtureCorpus.Cases(c => c.Kind == "mge" && c.ExpectOk))
        {
            var graph = new MgeReader().Read(c.ModelPath, new ConversionOptions()).Graph;
            var values = graph.Inputs.Concat(graph.Nodes.SelectMany(n => n.Outputs)).GroupBy(v => v.Name).ToDictionary(g => g.Key, g => g.First());
            var entries = c.Json.GetProperty("graph").EnumerateArray().SelectMany(op => op.GetProperty("outputs").EnumerateArray()).ToList();
            var unique = entries.GroupBy(e => e.GetProperty("name").GetString()!).Where(g => g.Count() == 1).Select(g => g.Single());
            cases++;
            foreach (var e in unique)
            {
                if (!values.TryGetValue(e.GetProperty("name").GetString()!, out var value) || !value.Shape.HasRank)
                {
                    continue;
                }

                compared++;
                var shape = new Shape([.. e.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64())]);
                if (!shape.Equals(value.Shape))
                {
                    mismatches.Add($"{c.Id}: {value.Name} is {value.Shape}, MegEngine {shape}");
                }
            }
        }

        output.WriteLine($"compared {compared} named intermediate shapes in {cases} cases, {mismatches.Count} mismatched");
        mismatches.ForEach(output.WriteLine);
        Assert.True(compared > 500, $"only {compared} shapes compared");
        Assert.Empty(mismatches);
    }
}
