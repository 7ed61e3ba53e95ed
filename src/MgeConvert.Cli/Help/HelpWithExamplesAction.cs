using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace MgeConvert.Cli.Help;

/// <summary>The standard help followed by an "Examples:" section for commands that have examples.</summary>
internal sealed class HelpWithExamplesAction(HelpAction standard) : SynchronousCommandLineAction
{
    public override int Invoke(ParseResult parseResult)
    {
        var code = standard.Invoke(parseResult);
        var examples = Examples.Of(parseResult.CommandResult.Command);
        if (examples.Count > 0)
        {
            var output = parseResult.InvocationConfiguration.Output;
            output.WriteLine("Examples:");
            foreach (var example in examples)
            {
                output.WriteLine("  " + example);
            }

            output.WriteLine();
        }

        return code;
    }
}
