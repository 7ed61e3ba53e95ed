using System.CommandLine;
using System.Runtime.CompilerServices;

namespace MgeConvert.Cli.Help;

/// <summary>Usage examples shown at the end of a command's <c>--help</c>.</summary>
internal static class Examples
{
    private static readonly ConditionalWeakTable<Command, string[]> Table = [];

    public static void Set(Command command, params string[] examples) => Table.AddOrUpdate(command, examples);

    public static IReadOnlyList<string> Of(Command command) => Table.TryGetValue(command, out var examples) ? examples : [];
}
