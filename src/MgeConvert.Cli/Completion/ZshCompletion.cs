using System.Text;

namespace MgeConvert.Cli.Completion;

/// <summary>A zsh completion script (<c>#compdef</c>) built on <c>_arguments</c>.</summary>
internal static class ZshCompletion
{
    public static string Script(CompletionModel model)
    {
        var function = "_" + model.Tool.Replace('-', '_');
        var s = new StringBuilder();
        s.Append("#compdef ").Append(model.Tool).Append('\n');
        s.Append("# zsh completion for ").Append(model.Tool).Append(" (written by '").Append(model.Tool).Append(" completion zsh')\n\n");
        s.Append(function).Append("() {\n");
        s.Append("  local -a commands\n  commands=(\n");
        foreach (var command in model.Commands)
        {
            foreach (var name in command.Names)
            {
                s.Append("    '").Append(Escape(name.Replace(":", "\\:", StringComparison.Ordinal))).Append(':')
                    .Append(Escape(command.Description)).Append("'\n");
            }
        }

        s.Append("  )\n");
        s.Append("  if (( CURRENT == 2 )); then\n");
        s.Append("    _describe -t commands 'command' commands\n");
        foreach (var option in model.RootOptions)
        {
            s.Append("    compadd -- ").Append(string.Join(' ', option.Names)).Append('\n');
        }

        s.Append("    return\n  fi\n");
        s.Append("  words=(\"${(@)words[2,-1]}\")\n  (( CURRENT-- ))\n");
        s.Append("  case ${words[1]} in\n");
        foreach (var command in model.Commands)
        {
            s.Append("    ").Append(string.Join('|', command.Names)).Append(")\n");
            s.Append("      _arguments -s \\\n");
            foreach (var option in command.Options)
            {
                s.Append("        '(").Append(string.Join(' ', option.Names)).Append(')');
                s.Append(option.Names.Count == 1 ? option.Names[0] : "'{" + string.Join(',', option.Names) + "}'");
                s.Append('[').Append(Escape(Brackets(option.Description))).Append(']');
                if (option.TakesValue)
                {
                    s.Append(":value:");
                    s.Append(option.IsFile ? "_files" : option.Values.Count > 0 ? "(" + string.Join(' ', option.Values) + ")" : " ");
                }

                s.Append("' \\\n");
            }

            if (command.ArgumentValues.Count > 0)
            {
                s.Append("        '1:value:(").Append(string.Join(' ', command.ArgumentValues)).Append(")'\n");
            }
            else if (command.FileArgument)
            {
                s.Append("        '1:file:_files'\n");
            }
            else
            {
                s.Append("        && return\n");
            }

            s.Append("      ;;\n");
        }

        s.Append("  esac\n}\n\n");
        s.Append(function).Append(" \"$@\"\n");
        return s.ToString();
    }

    private static string Escape(string text) => text.Replace("'", "'\\''", StringComparison.Ordinal);

    private static string Brackets(string text) => text.Replace("[", "(", StringComparison.Ordinal).Replace("]", ")", StringComparison.Ordinal);
}
