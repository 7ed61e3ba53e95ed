using System.CommandLine;
using MgeConvert.Formats;

namespace MgeConvert.Cli.Commands;

/// <summary>mge_to_onnx, tracedmodule_to_onnx.</summary>
internal sealed class OnnxCommands : ICommandFamily
{
    public IEnumerable<Command> Create(CliEnvironment env)
    {
        yield return Build(env, ModelFormat.Mge, "Convert a MegEngine graph dump (.mge) to ONNX");
        yield return Build(env, ModelFormat.TracedModule, "Convert a MegEngine TracedModule (.tm) to ONNX");
    }

    private static Command Build(CliEnvironment env, ModelFormat from, string description)
    {
        var input = Flags.Input();
        var output = Flags.Output("ONNX");
        var opset = Flags.Opset();
        var graphName = Flags.GraphName();
        var endPoint = Flags.EndPoint();
        var keepBn = Flags.Switch("--keep_bn", "Keep batch normalization as its own op instead of folding it into the preceding convolution or linear layer");
        var frozen = Flags.Switch("--frozen_input_shape", "Keep the input shapes exactly as the model states them");
        var optimize = from == ModelFormat.Mge
            ? Flags.Switch("--optimize-for-inference", "Apply inference optimizations before writing")
            : null;
        var quant = from == ModelFormat.TracedModule ? QuantFlags.Full() : null;

        return ConversionCommand.Create(
            env, from, ModelFormat.Onnx, description, input,
            [output, opset, graphName, endPoint, frozen, optimize, keepBn, .. quant?.All() ?? []],
            parsed => new ConversionOptions
            {
                Output = parsed.GetRequiredValue(output),
                Opset = parsed.GetValue(opset),
                GraphName = parsed.Get(graphName, "graph"),
                EndPoints = parsed.GetList(endPoint),
                KeepBatchNorm = parsed.GetValue(keepBn),
                FrozenInputShape = parsed.GetValue(frozen),
                OptimizeForInference = parsed.Get(optimize, false),
                InputDataType = parsed.GetOptional(quant?.InputDataType),
                InputScales = parsed.GetList(quant?.InputScales),
                InputZeroPoints = parsed.GetList(quant?.InputZeroPoints),
                RequireQuantize = parsed.Get(quant?.RequireQuantize, false),
                ParamFakeQuant = parsed.Get(quant?.ParamFakeQuant, false),
                QuantizeFilePath = parsed.Get(quant?.QuantizeFilePath, "quant_params.json"),
            });
    }
}
