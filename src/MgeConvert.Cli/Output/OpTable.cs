namespace MgeConvert.Cli.Output;

/// <summary>One row per op type: how many nodes the source had and how many the writer received.</summary>
internal sealed record OpRow(string Op, int In, int Out)
{
    public static IReadOnlyList<OpRow> Of(ConversionResult result)
    {
        var rows = new Dictionary<string, (int In, int Out)>(StringComparer.Ordinal);
        foreach (var c in result.OpsIn)
        {
            rows[c.Op] = (c.Count, 0);
        }

        foreach (var c in result.OpsOut)
        {
            rows[c.Op] = (rows.GetValueOrDefault(c.Op).In, c.Count);
        }

        return [.. rows.Select(r => new OpRow(r.Key, r.Value.In, r.Value.Out))
            .OrderByDescending(r => Math.Max(r.In, r.Out)).ThenBy(r => r.Op, StringComparer.Ordinal)];
    }

    /// <summary>Transposes of the source and of the written file (the target's own count when the writer gives one).</summary>
    public static (int In, int Out) Transposes(ConversionResult result) =>
        (CountTransposes(result.OpsIn), CountTransposes(result.TargetOps.Count > 0 ? result.TargetOps : result.OpsOut));

    private static int CountTransposes(IReadOnlyList<OpCount> ops) =>
        ops.Where(c => c.Op.Equals("Transpose", StringComparison.OrdinalIgnoreCase) || c.Op == "Permute").Sum(c => c.Count);
}
