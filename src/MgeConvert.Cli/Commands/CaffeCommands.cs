using System.CommandLine;
using MgeConvert.Formats;

namespace MgeConvert.Cli.Commands;

/// <summary>mge_to_caffe, tracedmodule_to_caffe.</summary>
internal sealed class CaffeCommands : ICommandFamily
{
    public IEnumerable<Command> Create(CliEnvironment env)
    {
        yield return Build(env, ModelFormat.Mge, "Convert a MegEngine graph dump (.mge) to Caffe (.prototxt + .caffemodel)");
        yield return Build(env, ModelFormat.TracedModule, "Convert a MegEngine TracedModule (.tm) to Caffe (.prototxt + .caffemodel)");
    }

    private static Command Build(CliEnvironment env, ModelFormat from, string description)
    {
        var tracedModule = from == ModelFormat.TracedModule;
        var input = Flags.Input();
        var prototxt = Flags.Prototxt();
        var caffeModel = Flags.CaffeModel();
        var endPoint = Flags.EndPoint();
        var emptyBlobs = Flags.Switch("--use_empty_blobs", "Write layers without weight blobs");
        var backend = Flags.ConvertBackend();
        var quant = tracedModule ? QuantFlags.Full() : null;
        var splitConvRelu = tracedModule ? Flags.Switch("--split_conv_relu", "Remove ReLU layers (for SNPE)") : null;
        var fuseBn = tracedModule ? Flags.Switch("--fuse_bn", "Fold batch normalization into the preceding convolution or linear layer") : null;

        return ConversionCommand.Create(
            env, from, ModelFormat.Caffe, description, input,
            [prototxt, caffeModel, endPoint, emptyBlobs, backend, .. quant?.All() ?? [], splitConvRelu, fuseBn],
            parsed => new ConversionOptions
            {
                Prototxt = parsed.GetRequiredValue(prototxt),
                CaffeModel = parsed.GetRequiredValue(caffeModel),
                EndPoints = parsed.GetList(endPoint),
                UseEmptyBlobs = parsed.GetValue(emptyBlobs),
                ConvertBackend = parsed.GetValue(backend),
                InputDataType = parsed.GetOptional(quant?.InputDataType),
                InputScales = parsed.GetList(quant?.InputScales),
                InputZeroPoints = parsed.GetList(quant?.InputZeroPoints),
                RequireQuantize = parsed.Get(quant?.RequireQuantize, false),
                ParamFakeQuant = parsed.Get(quant?.ParamFakeQuant, false),
                QuantizeFilePath = parsed.Get(quant?.QuantizeFilePath, "quant_params.json"),
                SplitConvRelu = parsed.Get(splitConvRelu, false),
                FuseBn = parsed.Get(fuseBn, false),
            });
    }
}
