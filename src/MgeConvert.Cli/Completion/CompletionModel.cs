using System.CommandLine;
using System.CommandLine.Completions;
using System.CommandLine.Help;

namespace MgeConvert.Cli.Completion;

/// <summary>What a completion script needs to know about one option.</summary>
internal sealed record OptionSpec(IReadOnlyList<string> Names, string Description, bool TakesValue, bool IsFile, IReadOnlyList<string> Values);

/// <summary>What a completion script needs to know about one (sub)command.</summary>
internal sealed record CommandSpec(
    IReadOnlyList<string> Names, string Description, IReadOnlyList<OptionSpec> Options, bool FileArgument, IReadOnlyList<string> ArgumentValues);

/// <summary>The command tree reduced to names, flags and value hints, in declaration order.</summary>
internal sealed record CompletionModel(string Tool, IReadOnlyList<OptionSpec> RootOptions, IReadOnlyList<CommandSpec> Commands)
{
    public static CompletionModel Of(Command root) =>
        new(root.Name, [.. root.Options.Select(Describe)], [.. root.Subcommands.Where(c => !c.Hidden).Select(DescribeCommand)]);

    private static CommandSpec DescribeCommand(Command command)
    {
        var argument = command.Arguments.FirstOrDefault();
        var values = argument is null ? [] : Completions(argument.GetCompletions(CompletionContext.Empty));
        return new CommandSpec(
            [command.Name, .. command.Aliases.Order(StringComparer.Ordinal)],
            OneLine(command.Description),
            [.. command.Options.Where(o => !o.Hidden).Select(Describe), Describe(new HelpOption())],
            argument is not null && values.Count == 0,
            values);
    }

    private static OptionSpec Describe(Option option)
    {
        var takesValue = option.Arity.MaximumNumberOfValues > 0 && option.ValueType != typeof(bool);
        var values = takesValue ? Completions(option.GetCompletions(CompletionContext.Empty)) : [];
        if (values.Count == 0 && option.ValueType == typeof(int) && option.Name == "--opset")
        {
            values = [.. Enumerable.Range(MgeConvert.Cli.Commands.Flags.MinOpset, MgeConvert.Cli.Commands.Flags.MaxOpset - MgeConvert.Cli.Commands.Flags.MinOpset + 1)
                .Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture))];
        }

        // Windows-style and glob-like spellings ("/?", "-?") would break the shells' pattern matching.
        return new OptionSpec(
            [.. new[] { option.Name }.Concat(option.Aliases.Order(StringComparer.Ordinal)).Where(n => n.StartsWith('-') && !n.Contains('?'))],
            OneLine(option.Description),
            takesValue,
            takesValue && option.HelpName == "file",
            values);
    }

    private static IReadOnlyList<string> Completions(IEnumerable<CompletionItem> items) => [.. items.Select(i => i.Label)];

    private static string OneLine(string? text) =>
        string.Join(' ', (text ?? "").Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
