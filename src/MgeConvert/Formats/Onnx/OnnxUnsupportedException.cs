namespace MgeConvert.Formats.Onnx;

/// <summary>Raised while importing or exporting one node that the other side cannot express; collected per model.</summary>
internal sealed class OnnxUnsupportedException(string reason) : Exception(reason);
