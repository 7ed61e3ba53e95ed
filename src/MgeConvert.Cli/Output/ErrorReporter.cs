using System.CommandLine;
using System.CommandLine.Parsing;

namespace MgeConvert.Cli.Output;

/// <summary>Turns failures into one "error: ..." line on stderr and an exit code; never a stack trace.</summary>
internal static class ErrorReporter
{
    public static int Report(CliEnvironment env, Exception e)
    {
        var message = e switch
        {
            UnsupportedOpsException u => u.Message,
            ModelFormatException m => OneLine(m.Message),
            IOException or UnauthorizedAccessException => OneLine(e.Message),
            OperationCanceledException => "cancelled",
            _ => $"internal error: {e.GetType().Name}: {OneLine(e.Message)}",
        };
        env.Error.WriteLine("error: " + message);
        return ExitCodes.Failure;
    }

    public static int UsageError(CliEnvironment env, ParseResult parsed)
    {
        foreach (var error in parsed.Errors)
        {
            env.Error.WriteLine("error: " + OneLine(error.Message));
        }

        var names = new List<string>();
        for (var result = parsed.CommandResult; result is not null; result = result.Parent as CommandResult)
        {
            names.Add(result.Command.Name);
        }

        names.Reverse();
        env.Error.WriteLine($"Run '{string.Join(' ', names)} --help' for usage.");
        return ExitCodes.Usage;
    }

    private static string OneLine(string text) =>
        string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
