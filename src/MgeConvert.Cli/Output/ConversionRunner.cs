using MgeConvert.Cli.Verification;
using MgeConvert.Formats;
using Spectre.Console;

namespace MgeConvert.Cli.Output;

/// <summary>
/// Runs one conversion (with a progress line on a terminal), optionally verifies it, prints the summary and
/// writes the JSON report. A verification over tolerance exits 1.
/// </summary>
internal static class ConversionRunner
{
    public static int Run(CliEnvironment env, ModelFormat from, ModelFormat to, string input, ConversionOptions options, RunExtras extras)
    {
        ConversionResult result;
        VerificationResult? verification;
        if (env.OutputIsTerminal)
        {
            var stage = "Reading model...";
            (result, verification) = Progress.WhenSlow(env, () => stage, () =>
            {
                var converted = env.Converter.Convert(from, to, input, options, s => stage = StageText(s));
                stage = "Verifying...";
                return (converted, Verify(env, from, input, options, converted, extras));
            });
        }
        else
        {
            result = env.Converter.Convert(from, to, input, options);
            verification = Verify(env, from, input, options, result, extras);
        }

        SummaryOutput.Print(env, result, extras.Verbose);
        if (verification is not null)
        {
            VerificationOutput.Print(env, verification);
        }

        if (extras.ReportPath is { } report)
        {
            ReportWriter.Write(report, result, verification);
            env.Out.WriteLine($"  report: {report}");
        }

        if (verification is { Passed: false })
        {
            var failed = verification.Outputs.Where(o => !o.WithinTolerance).Select(o => o.Name);
            env.Error.WriteLine(
                $"error: --verify: {string.Join(", ", failed)} differ(s) from the source model by more than " +
                $"{Numbers.Short(verification.Atol)} + {Numbers.Short(verification.Rtol)}·|source|");
            return ExitCodes.Failure;
        }

        return ExitCodes.Success;
    }

    private static VerificationResult? Verify(
        CliEnvironment env, ModelFormat from, string input, ConversionOptions options, ConversionResult result, RunExtras extras) =>
        extras.Verify is { } settings ? ModelVerifier.Verify(env.Converter, from, input, options, result, settings) : null;

    private static string StageText(ConversionStage stage) => stage switch
    {
        ConversionStage.Reading => "Reading model...",
        ConversionStage.RunningPasses => "Running passes...",
        ConversionStage.Preparing => "Preparing output...",
        _ => "Writing output...",
    };
}
