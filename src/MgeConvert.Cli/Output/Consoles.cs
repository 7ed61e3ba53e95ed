using Spectre.Console;

namespace MgeConvert.Cli.Output;

internal static class Consoles
{
    /// <summary>A Spectre console writing to the environment's stdout.</summary>
    public static IAnsiConsole For(CliEnvironment env) => AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(env.Out),
    });
}
