namespace MgeConvert.Formats.Caffe;

/// <summary>The Caffe dialect to target (<c>--convert_backend</c>, numbered as in mgeconvert).</summary>
public enum CaffeBackend
{
    Caffe = 1,
    Snpe = 2,
    TensorRT = 3,

    /// <summary>HiSilicon NNIE: in-place ReLU, no Flatten in front of InnerProduct.</summary>
    Nnie = 4,
}
