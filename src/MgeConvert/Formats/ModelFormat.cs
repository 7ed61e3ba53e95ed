namespace MgeConvert.Formats;

public enum ModelFormat
{
    Mge,
    TracedModule,
    Onnx,
    TFLite,
    Caffe,
    TorchScript,
}
