using MgeConvert.Formats;

namespace MgeConvert;

/// <summary>
/// Every option of the conversion commands (named after the original mgeconvert flags). Each reader and
/// writer uses the ones that concern it.
/// </summary>
public sealed class ConversionOptions
{
    private bool _allowUnsupported;
    private string? _output;
    private string? _prototxt;
    private string? _caffeModel;

    /// <summary>A copy of these options with <see cref="AllowUnsupported"/> set.</summary>
    internal ConversionOptions AllowingUnsupported()
    {
        var copy = (ConversionOptions)MemberwiseClone();
        copy._allowUnsupported = true;
        return copy;
    }

    /// <summary>
    /// A copy for <see cref="Converter.Check"/>: unsupported operators are read as placeholders, and output paths
    /// are placeholders too (the writer only prepares, nothing is written).
    /// </summary>
    internal ConversionOptions ForCheck(ModelFormat to)
    {
        var copy = AllowingUnsupported();
        copy._output ??= "check." + to.CommandName();
        copy._prototxt ??= "check.prototxt";
        copy._caffeModel ??= "check.caffemodel";
        return copy;
    }

    /// <summary>Output file (ONNX, TFLite, TorchScript, mge, tm).</summary>
    public string? Output
    {
        get => _output;
        init => _output = value;
    }

    /// <summary>Caffe outputs.</summary>
    public string? Prototxt
    {
        get => _prototxt;
        init => _prototxt = value;
    }

    public string? CaffeModel
    {
        get => _caffeModel;
        init => _caffeModel = value;
    }

    /// <summary>Names of values to use as graph outputs instead of the model's (--end_point / --outspec).</summary>
    public IReadOnlyList<string>? EndPoints { get; init; }

    public string GraphName { get; init; } = "graph";

    public int Opset { get; init; } = 13;

    /// <summary>Fold batch norms into the preceding convolution or linear op for Caffe (--fuse_bn; the other inference targets always do).</summary>
    public bool FuseBn { get; init; }

    /// <summary>Keep batch norms as their own ops in ONNX and TorchScript (--keep_bn) instead of folding them.</summary>
    public bool KeepBatchNorm { get; init; }

    /// <summary>Read unsupported operators as opaque placeholders (inspect, check).</summary>
    public bool AllowUnsupported
    {
        get => _allowUnsupported;
        init => _allowUnsupported = value;
    }

    // Quantization (QAT TracedModules, quantized targets).
    public string? InputDataType { get; init; }

    public IReadOnlyList<float>? InputScales { get; init; }

    public IReadOnlyList<long>? InputZeroPoints { get; init; }

    public bool RequireQuantize { get; init; }

    public bool ParamFakeQuant { get; init; }

    public string QuantizeFilePath { get; init; } = "quant_params.json";

    // TFLite.
    public bool Mtk { get; init; }

    public bool DisableNhwc { get; init; }

    public bool PreferSamePadMode { get; init; }

    public bool UseInt64Bias { get; init; }

    public bool RemoveRelu { get; init; }

    // Caffe.
    public bool UseEmptyBlobs { get; init; }

    public bool SplitConvRelu { get; init; }

    /// <summary>1 caffe, 2 snpe, 3 trt, 4 nnie.</summary>
    public int ConvertBackend { get; init; } = 1;

    // MegEngine outputs (onnx_to_mge / onnx_to_tracedmodule).
    public bool OptimizeForInference { get; init; }

    public bool FrozenInputShape { get; init; }

    /// <summary>mgv2 (default), MGBC or MGBS.</summary>
    public string MgeFormat { get; init; } = "mgv2";
}
