using System.Globalization;

namespace MgeConvert.Fuzz;

public sealed class FuzzReport(string target, int seedCount)
{
    public string Target { get; } = target;

    public int SeedCount { get; } = seedCount;

    public long Inputs { get; set; }

    public long Accepted { get; set; }

    public long Rejected { get; set; }

    public List<FuzzFinding> Findings { get; } = [];

    public TimeSpan Elapsed { get; set; }

    public double SlowestMs { get; set; }

    public long SlowestIteration { get; set; }

    /// <summary>The largest allocation of one input relative to its bound (1.0 = at the bound).</summary>
    public double MaxAllocationRatio { get; set; }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Target}: {Inputs} inputs from {SeedCount} seeds in {Elapsed.TotalSeconds:F0} s ({Inputs / Math.Max(Elapsed.TotalSeconds, 1e-3):F0}/s); " +
        $"read {Accepted}, rejected with ModelFormatException {Rejected}; findings {Findings.Count} " +
        $"(exceptions {Count(FindingKind.Exception)}, hangs {Count(FindingKind.Hang)}, allocations {Count(FindingKind.Allocation)}, " +
        $"distinct {Findings.Select(f => f.Signature).Distinct().Count()}); slowest input {SlowestMs:F0} ms (#{SlowestIteration}); " +
        $"max allocation {MaxAllocationRatio:P1} of bound");

    private int Count(FindingKind kind) => Findings.Count(f => f.Kind == kind);
}
