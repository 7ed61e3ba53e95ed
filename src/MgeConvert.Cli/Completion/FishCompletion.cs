using System.Text;

namespace MgeConvert.Cli.Completion;

/// <summary>A fish completion script: one <c>complete</c> line per subcommand and per subcommand flag.</summary>
internal static class FishCompletion
{
    public static string Script(CompletionModel model)
    {
        var tool = model.Tool;
        var s = new StringBuilder();
        s.Append("# fish completion for ").Append(tool).Append(" (written by '").Append(tool).Append(" completion fish')\n");
        s.Append("complete -c ").Append(tool).Append(" -f\n");
        foreach (var option in model.RootOptions)
        {
            s.Append("complete -c ").Append(tool).Append(" -n __fish_use_subcommand").Append(Names(option))
                .Append(" -d '").Append(Escape(option.Description)).Append("'\n");
        }

        foreach (var command in model.Commands)
        {
            s.Append("complete -c ").Append(tool).Append(" -n __fish_use_subcommand -a ").Append(command.Names[0])
                .Append(" -d '").Append(Escape(command.Description)).Append("'\n");
            var seen = "'__fish_seen_subcommand_from " + string.Join(' ', command.Names) + "'";
            foreach (var option in command.Options)
            {
                s.Append("complete -c ").Append(tool).Append(" -n ").Append(seen).Append(Names(option));
                if (option.IsFile)
                {
                    s.Append(" -r -F");
                }
                else if (option.Values.Count > 0)
                {
                    s.Append(" -x -a '").Append(string.Join(' ', option.Values)).Append('\'');
                }
                else if (option.TakesValue)
                {
                    s.Append(" -x");
                }

                s.Append(" -d '").Append(Escape(option.Description)).Append("'\n");
            }

            if (command.ArgumentValues.Count > 0)
            {
                s.Append("complete -c ").Append(tool).Append(" -n ").Append(seen).Append(" -a '")
                    .Append(string.Join(' ', command.ArgumentValues)).Append("'\n");
            }
            else if (command.FileArgument)
            {
                s.Append("complete -c ").Append(tool).Append(" -n ").Append(seen).Append(" -F\n");
            }
        }

        return s.ToString();
    }

    private static string Names(OptionSpec option)
    {
        var s = new StringBuilder();
        foreach (var name in option.Names)
        {
            if (name.StartsWith("--", StringComparison.Ordinal))
            {
                s.Append(" -l ").Append(name[2..]);
            }
            else if (name.Length == 2)
            {
                s.Append(" -s ").Append(name[1]);
            }
            else
            {
                s.Append(" -o ").Append(name[1..]);
            }
        }

        return s.ToString();
    }

    private static string Escape(string text) => text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal);
}
