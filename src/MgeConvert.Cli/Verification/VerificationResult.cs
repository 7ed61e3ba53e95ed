namespace MgeConvert.Cli.Verification;

/// <summary>The largest differences between the source model's and the converted model's values of one output.</summary>
/// <remarks>MaxRel is taken over the elements whose |source| exceeds the absolute tolerance (near zero only MaxAbs speaks).</remarks>
public sealed record OutputError(string Name, string Shape, double MaxAbs, double MaxRel, bool WithinTolerance, string? Problem = null);

/// <summary>What <c>--verify</c> found. Checker names what ran the converted side.</summary>
public sealed record VerificationResult(string Checker, string? Note, string InputsFrom, double Atol, double Rtol, IReadOnlyList<OutputError> Outputs)
{
    public bool Passed => Outputs.All(o => o.WithinTolerance);
}
