using System.CommandLine;

namespace MgeConvert.Cli.Commands;

/// <summary>The subcommands of one target (or source) family.</summary>
internal interface ICommandFamily
{
    IEnumerable<Command> Create(CliEnvironment env);
}
