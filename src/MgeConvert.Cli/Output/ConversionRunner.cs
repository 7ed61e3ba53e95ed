using MgeConvert.Formats;
using Spectre.Console;

namespace MgeConvert.Cli.Output;

/// <summary>Runs one conversion (with a progress spinner on a terminal) and prints its summary.</summary>
internal static class ConversionRunner
{
    public static int Run(CliEnvironment env, ModelFormat from, ModelFormat to, string input, ConversionOptions options, bool verbose)
    {
        var result = env.OutputIsTerminal
            ? WithStatus(env, stage => env.Converter.Convert(from, to, input, options, stage))
            : env.Converter.Convert(from, to, input, options);
        PrintSummary(env, result, verbose);
        return ExitCodes.Success;
    }

    private static ConversionResult WithStatus(CliEnvironment env, Func<Action<ConversionStage>, ConversionResult> convert)
    {
        var console = Consoles.For(env);
        return console.Status().Start("Reading model...", context =>
            convert(stage => context.Status(stage switch
            {
                ConversionStage.Reading => "Reading model...",
                ConversionStage.RunningPasses => "Running passes...",
                ConversionStage.Preparing => "Preparing output...",
                _ => "Writing output...",
            })));
    }

    private static void PrintSummary(CliEnvironment env, ConversionResult result, bool verbose)
    {
        foreach (var warning in result.Warnings)
        {
            env.Error.WriteLine("warning: " + warning);
        }

        var t = result.Timings;
        env.Out.WriteLine($"converted {result.Input} ({result.From.CommandName()}, {result.SourceContainer}) to {result.To.CommandName()}");
        env.Out.WriteLine($"  ops:   {result.OpsIn.Total()} in -> {result.OpsOut.Total()} out");
        foreach (var file in result.Outputs)
        {
            env.Out.WriteLine($"  wrote: {file.Path} ({Sizes.Bytes(file.Size)})");
        }

        foreach (var note in result.WriterNotes)
        {
            env.Out.WriteLine($"  note:  {note}");
        }

        env.Out.WriteLine(
            $"  time:  {Sizes.Time(t.Total)} (read {Sizes.Time(t.Read)}, passes {Sizes.Time(t.Passes)}, " +
            $"prepare {Sizes.Time(t.Prepare)}, write {Sizes.Time(t.Write)})");
        if (verbose)
        {
            env.Out.WriteLine(result.PassLog.Count == 0 ? "  passes: no changes logged" : "  passes:");
            foreach (var line in result.PassLog)
            {
                env.Out.WriteLine("    " + line);
            }
        }
    }
}
