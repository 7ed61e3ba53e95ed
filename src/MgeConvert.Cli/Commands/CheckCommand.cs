using System.CommandLine;
using MgeConvert.Cli.Output;
using MgeConvert.Formats;

namespace MgeConvert.Cli.Commands;

/// <summary>check MODEL --to TARGET: every operator the target cannot express, with a reason code; writes nothing.</summary>
internal sealed class CheckCommand : ICommandFamily
{
    private static readonly Dictionary<string, ModelFormat> Targets = new(StringComparer.Ordinal)
    {
        ["onnx"] = ModelFormat.Onnx,
        ["tflite"] = ModelFormat.TFLite,
        ["caffe"] = ModelFormat.Caffe,
        ["torchscript"] = ModelFormat.TorchScript,
        ["mge"] = ModelFormat.Mge,
        ["tm"] = ModelFormat.TracedModule,
    };

    public IEnumerable<Command> Create(CliEnvironment env)
    {
        var model = new Argument<string>("model") { Description = "Model file (.mge, .tm or .onnx)" };
        var to = new Option<string>("--to", "-t")
        {
            Description = "Target format: " + string.Join(", ", Targets.Keys),
            HelpName = "target",
            Required = true,
        };
        to.AcceptOnlyFromAmong([.. Targets.Keys]);
        var opset = Flags.Opset();
        var endPoint = Flags.EndPoint();
        var requireQuantize = Flags.Switch("--require_quantize", "Check for a quantized output (TFLite, ONNX)");
        var command = new Command(
            "check",
            "Pre-flight: list every operator of MODEL that the target cannot express, with a reason code, without writing anything " +
            "(exit 0 when everything can be converted, 1 otherwise)")
        {
            model, to, opset, endPoint, requireQuantize,
        };
        Help.Examples.Set(command, "mgeconvert check model.mge --to tflite", "mgeconvert check model.tm --to caffe", "mgeconvert check model.onnx --to mge");
        command.SetAction(parsed =>
        {
            var result = env.Converter.Check(parsed.GetRequiredValue(model), Targets[parsed.GetRequiredValue(to)], new ConversionOptions
            {
                Opset = parsed.GetValue(opset),
                EndPoints = parsed.GetList(endPoint),
                RequireQuantize = parsed.GetValue(requireQuantize),
            });
            CheckOutput.Print(env, result);
            return result.Expressible ? ExitCodes.Success : ExitCodes.Failure;
        });
        yield return command;
    }
}
