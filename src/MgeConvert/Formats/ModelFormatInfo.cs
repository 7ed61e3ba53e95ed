namespace MgeConvert.Formats;

/// <summary>Names of the model formats as users see them.</summary>
public static class ModelFormatInfo
{
    /// <summary>The spelling used in command names (mge_to_onnx, tracedmodule_to_tflite).</summary>
    public static string CommandName(this ModelFormat format) => format switch
    {
        ModelFormat.Mge => "mge",
        ModelFormat.TracedModule => "tracedmodule",
        ModelFormat.Onnx => "onnx",
        ModelFormat.TFLite => "tflite",
        ModelFormat.Caffe => "caffe",
        ModelFormat.TorchScript => "torchscript",
        _ => format.ToString().ToLowerInvariant(),
    };

    public static string Description(this ModelFormat format) => format switch
    {
        ModelFormat.Mge => "MegEngine graph dump (.mge)",
        ModelFormat.TracedModule => "MegEngine TracedModule (.tm)",
        ModelFormat.Onnx => "ONNX model (.onnx)",
        ModelFormat.TFLite => "TFLite model (.tflite)",
        ModelFormat.Caffe => "Caffe model (.prototxt + .caffemodel)",
        ModelFormat.TorchScript => "TorchScript archive (.pt)",
        _ => format.ToString(),
    };
}
