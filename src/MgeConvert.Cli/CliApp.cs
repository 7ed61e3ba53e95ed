using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using MgeConvert.Cli.Commands;
using MgeConvert.Cli.Completion;
using MgeConvert.Cli.Help;
using MgeConvert.Cli.Output;

namespace MgeConvert.Cli;

/// <summary>The mgeconvert command line: builds the command tree, runs it, maps failures to exit codes.</summary>
public static class CliApp
{
    public const string ToolName = "mgeconvert";

    private const string InitFlag = "--init";

    /// <summary>The root command; named after the tool rather than the executable, which differs when run as a dll.</summary>
    public static Command BuildRootCommand(CliEnvironment env)
    {
        var help = new HelpOption();
        help.Action = new HelpWithExamplesAction((HelpAction)help.Action!);
        var init = new Option<bool>(InitFlag) { Description = "Install the bash completion script for the current user" };
        var root = new Command(
            ToolName,
            "Converts MegEngine models (.mge graph dumps, TracedModule .tm) to ONNX, TFLite, Caffe and TorchScript, " +
            "and ONNX back to MegEngine, without MegEngine or Python.")
        {
            help,
            new VersionOption(),
            init,
        };
        Examples.Set(
            root,
            "mgeconvert mge_to_onnx -i model.mge -o model.onnx --opset 13 --verify",
            "mgeconvert tracedmodule_to_tflite -i model.tm -o model.tflite --report report.json",
            "mgeconvert check model.mge --to caffe",
            "mgeconvert inspect model.onnx",
            "mgeconvert --init");
        ICommandFamily[] families =
        [
            new OnnxCommands(),
            new CaffeCommands(),
            new TfliteCommands(),
            new TorchScriptCommands(),
            new MegEngineCommands(),
            new InspectCommand(),
            new CheckCommand(),
            new CompletionCommand(),
        ];
        foreach (var family in families)
        {
            foreach (var command in family.Create(env))
            {
                root.Add(command);
            }
        }

        root.SetAction(parsed =>
        {
            if (parsed.GetValue(init))
            {
                return InstallCompletion(env, root);
            }

            env.Error.WriteLine("error: please point out which framework you want to convert (a subcommand such as mge_to_onnx)");
            env.Error.WriteLine($"Run '{ToolName} --help' for usage.");
            return ExitCodes.Usage;
        });
        return root;
    }

    private static int InstallCompletion(CliEnvironment env, Command root)
    {
        var path = CompletionScripts.BashInstallPath(env.GetEnvironmentVariable);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, CompletionScripts.For("bash", root));
        env.Out.WriteLine($"wrote bash completion to {path} (open a new shell, or run: source {path})");
        if (OperatingSystem.IsWindows())
        {
            env.Error.WriteLine("warning: bash completion is not used by Windows shells; see 'mgeconvert completion --help'");
        }

        return ExitCodes.Success;
    }

    public static int Run(string[] args, CliEnvironment env)
    {
        try
        {
            // The original accepted "--init" in front of a subcommand: install, then run the rest.
            if (args.Length > 1 && args[0] == InitFlag)
            {
                var installed = InstallCompletion(env, BuildRootCommand(env));
                return installed != ExitCodes.Success ? installed : Run(args[1..], env);
            }

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
