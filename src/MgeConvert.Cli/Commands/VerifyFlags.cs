using System.CommandLine;
using MgeConvert.Cli.Verification;

namespace MgeConvert.Cli.Commands;

/// <summary>--verify and its settings (inputs, tolerance, seed).</summary>
internal sealed class VerifyFlags
{
    public Option<bool> Verify { get; } = new("--verify")
    {
        Description = "After converting, run the source and the converted model on the same inputs and compare every output (exit 1 when over tolerance)",
    };

    public Option<string[]> Inputs { get; } = new("--verify-input", "--verify_input")
    {
        Description = "Input for --verify (.npy), one per model input in order; random values when absent",
        HelpName = "file",
        AllowMultipleArgumentsPerToken = true,
    };

    public Option<double> Atol { get; } = Tolerance("--verify-atol", "Absolute tolerance of --verify");

    public Option<double> Rtol { get; } = Tolerance("--verify-rtol", "Relative tolerance of --verify");

    public Option<int> Seed { get; } = new("--verify-seed", "--verify_seed")
    {
        Description = "Seed of the random --verify inputs",
        DefaultValueFactory = _ => 0,
    };

    public IEnumerable<Option> All() => [Verify, Inputs, Atol, Rtol, Seed];

    /// <summary>The settings when --verify (or --verify-input) was given, else null.</summary>
    public VerifySettings? Settings(ParseResult parsed)
    {
        var inputs = parsed.GetValue(Inputs) ?? [];
        return parsed.GetValue(Verify) || inputs.Length > 0
            ? new VerifySettings(inputs, parsed.GetValue(Atol), parsed.GetValue(Rtol), parsed.GetValue(Seed))
            : null;
    }

    private static Option<double> Tolerance(string name, string description)
    {
        var option = new Option<double>(name, name.Replace('-', '_').Replace("__", "--", StringComparison.Ordinal))
        {
            Description = description,
            DefaultValueFactory = _ => 1e-5,
        };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<double>() is var v && (v < 0 || !double.IsFinite(v)))
            {
                result.AddError($"{name} must be a finite number >= 0");
            }
        });
        return option;
    }
}
