using System.CommandLine;
using MgeConvert.Cli.Completion;

namespace MgeConvert.Cli.Commands;

/// <summary>completion bash|zsh|fish: prints a shell completion script.</summary>
internal sealed class CompletionCommand : ICommandFamily
{
    public IEnumerable<Command> Create(CliEnvironment env)
    {
        var shell = new Argument<string>("shell") { Description = "Shell to complete for: bash, zsh or fish" };
        shell.AcceptOnlyFromAmong(CompletionScripts.Shells);
        var command = new Command("completion", "Print a shell completion script for mgeconvert") { shell };
        Help.Examples.Set(
            command,
            "mgeconvert completion bash > ~/.local/share/bash-completion/completions/mgeconvert",
            "mgeconvert completion zsh > \"${fpath[1]}/_mgeconvert\"",
            "mgeconvert completion fish > ~/.config/fish/completions/mgeconvert.fish");
        command.SetAction(parsed =>
        {
            env.Out.Write(CompletionScripts.For(parsed.GetRequiredValue(shell), Root(parsed.CommandResult.Command)));
            return ExitCodes.Success;
        });
        yield return command;
    }

    private static Command Root(Command command)
    {
        while (command.Parents.OfType<Command>().FirstOrDefault() is { } parent)
        {
            command = parent;
        }

        return command;
    }
}
