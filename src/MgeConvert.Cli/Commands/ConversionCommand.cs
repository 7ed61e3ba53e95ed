using System.CommandLine;
using MgeConvert.Cli.Output;
using MgeConvert.Formats;

namespace MgeConvert.Cli.Commands;

/// <summary>Builds a "<c>from_to_to</c>" subcommand (also reachable as "<c>from-to-to</c>") that runs the converter.</summary>
internal static class ConversionCommand
{
    public static string NameOf(ModelFormat from, ModelFormat to) => $"{from.CommandName()}_to_{to.CommandName()}";

    public static Command Create(
        CliEnvironment env,
        ModelFormat from,
        ModelFormat to,
        string description,
        Option<string> input,
        IEnumerable<Option?> options,
        Func<ParseResult, ConversionOptions> map)
    {
        var name = NameOf(from, to);
        var command = new Command(name, description);
        command.Aliases.Add(name.Replace('_', '-'));
        command.Add(input);
        foreach (var option in options.OfType<Option>())
        {
            command.Add(option);
        }

        var verbose = new Option<bool>("--verbose", "-v") { Description = "Also print what the passes changed" };
        var verify = new VerifyFlags();
        var report = new Option<string>("--report")
        {
            Description = "Write the summary, every op's mapping and the verification to this JSON file",
            HelpName = "file",
        };
        command.Add(verbose);
        foreach (var option in verify.All())
        {
            command.Add(option);
        }

        command.Add(report);
        Help.Examples.Set(command, ExamplesFor(name, from, to));
        command.SetAction(parsed => ConversionRunner.Run(
            env, from, to, parsed.GetRequiredValue(input), map(parsed),
            new RunExtras(parsed.GetValue(verbose), verify.Settings(parsed), parsed.GetValue(report))));
        return command;
    }

    private static string[] ExamplesFor(string name, ModelFormat from, ModelFormat to)
    {
        var model = from switch
        {
            ModelFormat.Mge => "model.mge",
            ModelFormat.TracedModule => "model.tm",
            _ => "model.onnx",
        };
        var tool = CliApp.ToolName;
        if (to == ModelFormat.Caffe)
        {
            return
            [
                $"{tool} {name} -i {model} -c model.prototxt -b model.caffemodel",
                $"{tool} {name} -i {model} -c model.prototxt -b model.caffemodel --verify --report report.json",
            ];
        }

        var output = to switch
        {
            ModelFormat.Onnx => "model.onnx",
            ModelFormat.TFLite => "model.tflite",
            ModelFormat.TorchScript => "model.torchscript",
            ModelFormat.Mge => "converted.mge",
            _ => "converted.tm",
        };
        return
        [
            $"{tool} {name} -i {model} -o {output}",
            $"{tool} {name.Replace('_', '-')} -i {model} -o {output} --verify --report report.json",
        ];
    }

    /// <summary>The value of a flag this command may not have: its default when absent.</summary>
    public static T Get<T>(this ParseResult parsed, Option<T>? option, T fallback) =>
        option is null ? fallback : parsed.GetValue(option) ?? fallback;

    public static string? GetOptional(this ParseResult parsed, Option<string>? option) =>
        option is null ? null : parsed.GetValue(option);

    public static IReadOnlyList<T>? GetList<T>(this ParseResult parsed, Option<T[]>? option) =>
        option is null || parsed.GetValue(option) is not { Length: > 0 } values ? null : values;
}
