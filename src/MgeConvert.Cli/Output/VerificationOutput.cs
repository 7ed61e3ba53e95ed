using MgeConvert.Cli.Verification;

namespace MgeConvert.Cli.Output;

/// <summary>Prints what --verify found: one line per output with its max abs/rel error.</summary>
internal static class VerificationOutput
{
    public static void Print(CliEnvironment env, VerificationResult v)
    {
        var o = env.Out;
        o.WriteLine($"  verify: source (reference interpreter) vs converted ({v.Checker}) on {v.InputsFrom} inputs, " +
            $"tolerance {Numbers.Short(v.Atol)} + {Numbers.Short(v.Rtol)}·|source|");
        if (v.Note is { } note)
        {
            o.WriteLine($"    {note}");
        }

        var width = v.Outputs.Count == 0 ? 0 : v.Outputs.Max(e => e.Name.Length);
        foreach (var e in v.Outputs)
        {
            var verdict = e.WithinTolerance ? "ok" : "OVER TOLERANCE";
            o.WriteLine($"    {e.Name.PadRight(width)}  {e.Shape}  max abs {Numbers.Short(e.MaxAbs)}  max rel {Numbers.Short(e.MaxRel)}  {verdict}"
                + (e.Problem is { } p ? $" ({p})" : ""));
        }
    }
}
