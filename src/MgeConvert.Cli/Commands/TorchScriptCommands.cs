using System.CommandLine;
using MgeConvert.Formats;

namespace MgeConvert.Cli.Commands;

/// <summary>tracedmodule_to_torchscript (API-only in the original) and mge_to_torchscript (new).</summary>
internal sealed class TorchScriptCommands : ICommandFamily
{
    public IEnumerable<Command> Create(CliEnvironment env)
    {
        yield return Build(env, ModelFormat.TracedModule, "Convert a MegEngine TracedModule (.tm) to TorchScript");
        yield return Build(env, ModelFormat.Mge, "Convert a MegEngine graph dump (.mge) to TorchScript");
    }

    private static Command Build(CliEnvironment env, ModelFormat from, string description)
    {
        var input = Flags.Input();
        var output = Flags.Output("TorchScript");
        var graphName = Flags.GraphName();
        var endPoint = Flags.EndPoint();
        var keepBn = Flags.Switch("--keep_bn", "Keep batch normalization as its own op instead of folding it into the preceding convolution or linear layer");
        var quant = from == ModelFormat.TracedModule ? QuantFlags.InputsOnly() : null;

        return ConversionCommand.Create(
            env, from, ModelFormat.TorchScript, description, input,
            [output, graphName, endPoint, keepBn, .. quant?.All() ?? []],
            parsed => new ConversionOptions
            {
                Output = parsed.GetRequiredValue(output),
                GraphName = parsed.Get(graphName, "graph"),
                EndPoints = parsed.GetList(endPoint),
                KeepBatchNorm = parsed.GetValue(keepBn),
                InputDataType = parsed.GetOptional(quant?.InputDataType),
                InputScales = parsed.GetList(quant?.InputScales),
                InputZeroPoints = parsed.GetList(quant?.InputZeroPoints),
            });
    }
}
