using System.CommandLine;

namespace MgeConvert.Cli.Commands;

/// <summary>The input-quantization flags of the TracedModule conversions.</summary>
internal sealed class QuantFlags
{
    private QuantFlags(bool full)
    {
        if (full)
        {
            RequireQuantize = Flags.Switch("--require_quantize", "Write real quantized tensors (QAT models)");
            ParamFakeQuant = Flags.Switch("--param_fake_quant", "Fake-quantize the parameters of a QAT model");
            QuantizeFilePath = Flags.QuantizeFilePath();
        }
    }

    public Option<string> InputDataType { get; } = Flags.InputDataType();

    public Option<float[]> InputScales { get; } = Flags.InputScales();

    public Option<long[]> InputZeroPoints { get; } = Flags.InputZeroPoints();

    public Option<bool>? RequireQuantize { get; }

    public Option<bool>? ParamFakeQuant { get; }

    public Option<string>? QuantizeFilePath { get; }

    /// <summary>All six flags (tracedmodule_to_onnx/caffe/tflite).</summary>
    public static QuantFlags Full() => new(full: true);

    /// <summary>Only the input dtype, scales and zero points (tracedmodule_to_torchscript).</summary>
    public static QuantFlags InputsOnly() => new(full: false);

    public IEnumerable<Option> All()
    {
        Option?[] all = [InputDataType, InputScales, InputZeroPoints, RequireQuantize, ParamFakeQuant, QuantizeFilePath];
        return all.OfType<Option>();
    }
}
