using System.CommandLine;
using MgeConvert.Formats;

namespace MgeConvert.Cli.Commands;

/// <summary>onnx_to_mge, onnx_to_tracedmodule.</summary>
internal sealed class MegEngineCommands : ICommandFamily
{
    public IEnumerable<Command> Create(CliEnvironment env)
    {
        yield return Build(env, ModelFormat.Mge, "Convert an ONNX model to a MegEngine graph dump (.mge)");
        yield return Build(env, ModelFormat.TracedModule, "Convert an ONNX model to a MegEngine TracedModule (.tm)");
    }

    private static Command Build(CliEnvironment env, ModelFormat to, string description)
    {
        var input = Flags.Input();
        var output = Flags.Output(to == ModelFormat.Mge ? "MegEngine (.mge)" : "TracedModule (.tm)");
        var opset = Flags.Opset();
        var graphName = Flags.GraphName();
        var endPoint = Flags.EndPoint();
        var frozen = Flags.Switch("--frozen_input_shape", "Keep the input shapes exactly as the ONNX model states them");
        var optimize = to == ModelFormat.Mge
            ? Flags.Switch("--optimize-for-inference", "Apply MegEngine's inference optimizations before dumping")
            : null;
        var mgeFormat = to == ModelFormat.Mge ? Flags.MgeFormat() : null;

        return ConversionCommand.Create(
            env, ModelFormat.Onnx, to, description, input,
            [output, opset, graphName, endPoint, frozen, optimize, mgeFormat],
            parsed => new ConversionOptions
            {
                Output = parsed.GetRequiredValue(output),
                Opset = parsed.GetValue(opset),
                GraphName = parsed.Get(graphName, "graph"),
                EndPoints = parsed.GetList(endPoint),
                FrozenInputShape = parsed.GetValue(frozen),
                OptimizeForInference = parsed.Get(optimize, false),
                MgeFormat = parsed.Get(mgeFormat, "mgv2"),
            });
    }
}
