using MgeConvert.Formats;

namespace MgeConvert.Cli.Output;

/// <summary>Prints a <see cref="CheckResult"/>: a verdict line, then one line per operator the target cannot express.</summary>
internal static class CheckOutput
{
    public static void Print(CliEnvironment env, CheckResult result)
    {
        foreach (var warning in result.Warnings)
        {
            env.Error.WriteLine("warning: " + warning);
        }

        var o = env.Out;
        var target = result.To.CommandName();
        if (result.Expressible)
        {
            o.WriteLine($"ok: all {result.Ops} operators of {result.Input} ({result.From.CommandName()}) can be converted to {target}");
            return;
        }

        o.WriteLine($"{result.Problems.Count} of {result.Ops} operators of {result.Input} ({result.From.CommandName()}) cannot be converted to {target}:");
        var opWidth = result.Problems.Max(p => p.Op.Length);
        var nodeWidth = Math.Min(40, result.Problems.Max(p => p.Node.Length));
        var codeWidth = result.Problems.Max(p => p.Code.Length);
        foreach (var p in result.Problems)
        {
            o.WriteLine($"  {p.Code.PadRight(codeWidth)}  {p.Op.PadRight(opWidth)}  {p.Node.PadRight(nodeWidth)}  {p.Reason ?? "no " + target + " operator"}");
        }

        foreach (var (code, count) in result.Problems.GroupBy(p => p.Code).Select(g => (g.Key, g.Count())).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            o.WriteLine($"  {code}: {count}");
        }
    }
}
