namespace MgeConvert.Formats.Caffe;

/// <summary>Thrown while lowering one node that Caffe cannot express; collected into an <see cref="UnsupportedOpsException"/>.</summary>
internal sealed class NotExpressibleException(string reason) : Exception(reason);
