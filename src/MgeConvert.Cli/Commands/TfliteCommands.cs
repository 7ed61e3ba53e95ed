using System.CommandLine;
using MgeConvert.Formats;

namespace MgeConvert.Cli.Commands;

/// <summary>mge_to_tflite, tracedmodule_to_tflite.</summary>
internal sealed class TfliteCommands : ICommandFamily
{
    public IEnumerable<Command> Create(CliEnvironment env)
    {
        yield return Build(env, ModelFormat.Mge, "Convert a MegEngine graph dump (.mge) to TFLite");
        yield return Build(env, ModelFormat.TracedModule, "Convert a MegEngine TracedModule (.tm) to TFLite");
    }

    private static Command Build(CliEnvironment env, ModelFormat from, string description)
    {
        var tracedModule = from == ModelFormat.TracedModule;
        var input = Flags.Input();
        var output = Flags.Output("TFLite");
        var graphName = Flags.GraphName();
        var endPoint = Flags.EndPoint();
        var mtk = Flags.Switch("--mtk", "Target MTK platforms (P70, P80)");
        var samePad = Flags.Switch("--prefer_same_pad_mode", "Use SAME padding where it gives the same output shape");
        var int64Bias = Flags.Switch("--use_int64_bias", "Store quantized biases as int64");
        var disableNhwc = Flags.Switch("--disable_nhwc", "Keep the NCHW layout instead of converting to NHWC");
        var quant = tracedModule ? QuantFlags.Full() : null;
        var removeRelu = tracedModule ? Flags.Switch("--remove_relu", "Remove ReLUs that quantization makes redundant") : null;

        return ConversionCommand.Create(
            env, from, ModelFormat.TFLite, description, input,
            [output, graphName, endPoint, mtk, samePad, int64Bias, disableNhwc, .. quant?.All() ?? [], removeRelu],
            parsed => new ConversionOptions
            {
                Output = parsed.GetRequiredValue(output),
                GraphName = parsed.Get(graphName, "graph"),
                EndPoints = parsed.GetList(endPoint),
                Mtk = parsed.GetValue(mtk),
                PreferSamePadMode = parsed.GetValue(samePad),
                UseInt64Bias = parsed.GetValue(int64Bias),
                DisableNhwc = parsed.GetValue(disableNhwc),
                InputDataType = parsed.GetOptional(quant?.InputDataType),
                InputScales = parsed.GetList(quant?.InputScales),
                InputZeroPoints = parsed.GetList(quant?.InputZeroPoints),
                RequireQuantize = parsed.Get(quant?.RequireQuantize, false),
                ParamFakeQuant = parsed.Get(quant?.ParamFakeQuant, false),
                QuantizeFilePath = parsed.Get(quant?.QuantizeFilePath, "quant_params.json"),
                RemoveRelu = parsed.Get(removeRelu, false),
            });
    }
}
