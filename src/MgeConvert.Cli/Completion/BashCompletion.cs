using System.Text;

namespace MgeConvert.Cli.Completion;

/// <summary>A bash completion script: subcommands first, then each subcommand's flags and their values.</summary>
internal static class BashCompletion
{
    public static string Script(CompletionModel model)
    {
        var function = "_" + model.Tool.Replace('-', '_');
        var s = new StringBuilder();
        s.Append("# bash completion for ").Append(model.Tool).Append(" (written by '").Append(model.Tool).Append(" --init' or '")
            .Append(model.Tool).Append(" completion bash')\n");
        s.Append(function).Append("()\n{\n");
        s.Append("    local cur=\"${COMP_WORDS[COMP_CWORD]}\" prev=\"${COMP_WORDS[COMP_CWORD-1]}\" i command=\"\"\n");
        s.Append("    for ((i = 1; i < COMP_CWORD; i++)); do\n");
        s.Append("        if [[ ${COMP_WORDS[i]} != -* ]]; then command=\"${COMP_WORDS[i]}\"; break; fi\n");
        s.Append("    done\n");
        s.Append("    COMPREPLY=()\n");
        s.Append("    if [[ -z $command ]]; then\n");
        var top = model.Commands.SelectMany(c => c.Names).Concat(model.RootOptions.SelectMany(o => o.Names));
        s.Append("        COMPREPLY=($(compgen -W \"").Append(string.Join(' ', top)).Append("\" -- \"$cur\"))\n");
        s.Append("        return 0\n    fi\n");
        s.Append("    case \"$command\" in\n");
        foreach (var command in model.Commands)
        {
            s.Append("        ").Append(string.Join('|', command.Names)).Append(")\n");
            s.Append("            case \"$prev\" in\n");
            foreach (var option in command.Options.Where(o => o.TakesValue))
            {
                s.Append("                ").Append(string.Join('|', option.Names)).Append(")\n");
                if (option.IsFile)
                {
                    s.Append("                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- \"$cur\")); return 0 ;;\n");
                }
                else if (option.Values.Count > 0)
                {
                    s.Append("                    COMPREPLY=($(compgen -W \"").Append(string.Join(' ', option.Values)).Append("\" -- \"$cur\")); return 0 ;;\n");
                }
                else
                {
                    s.Append("                    return 0 ;;\n");
                }
            }

            s.Append("            esac\n");
            var flags = string.Join(' ', command.Options.SelectMany(o => o.Names));
            s.Append("            if [[ $cur == -* ]]; then\n");
            s.Append("                COMPREPLY=($(compgen -W \"").Append(flags).Append("\" -- \"$cur\"))\n");
            if (command.ArgumentValues.Count > 0)
            {
                s.Append("            else\n");
                s.Append("                COMPREPLY=($(compgen -W \"").Append(string.Join(' ', command.ArgumentValues)).Append("\" -- \"$cur\"))\n");
            }
            else if (command.FileArgument)
            {
                s.Append("            else\n");
                s.Append("                compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- \"$cur\"))\n");
            }

            s.Append("            fi\n            ;;\n");
        }

        s.Append("    esac\n    return 0\n}\n");
        s.Append("complete -F ").Append(function).Append(' ').Append(model.Tool).Append('\n');
        return s.ToString();
    }
}
