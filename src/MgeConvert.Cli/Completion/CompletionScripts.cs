using System.CommandLine;

namespace MgeConvert.Cli.Completion;

internal static class CompletionScripts
{
    public static readonly string[] Shells = ["bash", "zsh", "fish"];

    public static string For(string shell, Command root)
    {
        var model = CompletionModel.Of(root);
        return shell switch
        {
            "bash" => BashCompletion.Script(model),
            "zsh" => ZshCompletion.Script(model),
            "fish" => FishCompletion.Script(model),
            _ => throw new ArgumentOutOfRangeException(nameof(shell), shell, "expected bash, zsh or fish"),
        };
    }

    /// <summary>
    /// Where <c>--init</c> installs the bash script, as the original did: the per-user bash-completion directory
    /// (<c>$XDG_DATA_HOME</c>, default <c>~/.local/share</c>, then <c>bash-completion/completions/mgeconvert</c>).
    /// </summary>
    public static string BashInstallPath(Func<string, string?> environment)
    {
        var dataHome = environment("XDG_DATA_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(environment("HOME") is { Length: > 0 } home ? home : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share");
        return Path.Combine(dataHome, "bash-completion", "completions", CliApp.ToolName);
    }
}
