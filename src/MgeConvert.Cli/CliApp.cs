using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using MgeConvert.Cli.Commands;
using MgeConvert.Cli.Output;

namespace MgeConvert.Cli;

/// <summary>The mgeconvert command line: builds the command tree, runs it, maps failures to exit codes.</summary>
public static class CliApp
{
    public const string ToolName = "mgeconvert";

    /// <summary>The root command; named after the tool rather than the executable, which differs when run as a dll.</summary>
    public static Command BuildRootCommand(CliEnvironment env)
    {
        var root = new Command(
            ToolName,
            "Converts MegEngine models (.mge graph dumps, TracedModule .tm) to ONNX, TFLite, Caffe and TorchScript, " +
            "and ONNX back to MegEngine, without MegEngine or Python.")
        {
            new HelpOption(),
            new VersionOption(),
        };
        ICommandFamily[] families =
        [
            new OnnxCommands(),
            new CaffeCommands(),
            new TfliteCommands(),
            new TorchScriptCommands(),
            new MegEngineCommands(),
            new InspectCommand(),
        ];
        foreach (var family in families)
        {
            foreach (var command in family.Create(env))
            {
                root.Add(command);
            }
        }

        return root;
    }

    public static int Run(string[] args, CliEnvironment env)
    {
        try
        {
            var parsed = BuildRootCommand(env).Parse(args);
            if (parsed.Action is ParseErrorAction)
            {
                return ErrorReporter.UsageError(env, parsed);
            }

            return parsed.Invoke(new InvocationConfiguration
            {
                Output = env.Out,
                Error = env.Error,
                EnableDefaultExceptionHandler = false,
            });
        }
        catch (Exception e)
        {
            return ErrorReporter.Report(env, e);
        }
    }
}
