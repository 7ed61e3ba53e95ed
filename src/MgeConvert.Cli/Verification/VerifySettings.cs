namespace MgeConvert.Cli.Verification;

/// <summary>How <c>--verify</c> runs: given inputs (.npy, in graph-input order) or seeded random ones, and the tolerance.</summary>
/// <remarks>An element passes when |converted - source| ≤ Atol + Rtol·|source|.</remarks>
public sealed record VerifySettings(IReadOnlyList<string> InputFiles, double Atol = 1e-5, double Rtol = 1e-5, int Seed = 0);
