using System.CommandLine;
using MgeConvert.Cli.Output;

namespace MgeConvert.Cli.Commands;

/// <summary>inspect MODEL: format, inputs, outputs and op histogram of any readable model.</summary>
internal sealed class InspectCommand : ICommandFamily
{
    public IEnumerable<Command> Create(CliEnvironment env)
    {
        var model = new Argument<string>("model") { Description = "Model file (.mge, .tm, .onnx, ...)" };
        var graph = new Option<bool>("--graph") { Description = "Also print the graph as read, one line per operator" };
        var command = new Command("inspect", "Show a model's format, inputs, outputs and operator histogram") { model, graph };
        Help.Examples.Set(command, "mgeconvert inspect model.mge", "mgeconvert inspect model.tm --graph");
        command.SetAction(parsed =>
        {
            var summary = env.Converter.Inspect(parsed.GetRequiredValue(model));
            SummaryPrinter.Print(env, summary);
            if (parsed.GetValue(graph))
            {
                env.Out.Write(summary.GraphText);
            }
            return ExitCodes.Success;
        });
        yield return command;
    }
}
