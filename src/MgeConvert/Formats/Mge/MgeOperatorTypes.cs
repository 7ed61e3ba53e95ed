using System.IO.Hashing;
using System.Text;

namespace MgeConvert.Formats.Mge;

/// <summary>
/// Identifies operators: by the v2 <c>type</c> string, else by the XXH64 type id (docs/mge-format.md §8).
/// Ids are computed from the registration names at startup: persist id = XXH64(name + NUL), unversioned
/// id = XXH64(name without NUL and without a trailing "V&lt;digit&gt;"), seed 20160701; v2 version-2
/// records hash the unversioned name with its NUL.
/// </summary>
internal static class MgeOperatorTypes
{
    private const long Seed = 20160701;

    // Registration name (any MegEngine 1.x release) → runtime operator class (§8.3, §9, Appendix A).
    private static readonly (string Registration, string Class)[] Registrations =
    [
        ("Host2DeviceCopy", "Host2DeviceCopy"),
        ("ImmutableTensor", "ImmutableTensor"),
        ("SharedDeviceTensor", "SharedDeviceTensor"),
        ("VolatileSharedDeviceTensor", "VolatileSharedDeviceTensor"),
        ("MultipleDeviceTensorHolder", "MultipleDeviceTensorHolder"),
        ("ConvolutionV2", "ConvolutionForward"),
        ("ConvBiasForwardV4", "ConvBiasForward"),
        ("ConvBias", "ConvBiasForward"),
        ("ConvolutionBackwardDataV2", "ConvolutionBackwardData"),
        ("ConvolutionBackwardFilterV2", "ConvolutionBackwardFilter"),
        ("MatrixMulV2", "MatrixMul"),
        ("BatchedMatrixMulV2", "BatchedMatrixMul"),
        ("Elemwise", "Elemwise"),
        ("ElemwiseMultiType", "ElemwiseMultiType"),
        ("TypeCvtV2", "TypeCvt"),
        ("PowC", "PowC"),
        ("ReduceV2", "Reduce"),
        ("PoolingV1", "PoolingForward"),
        ("AdaptivePoolingV1", "AdaptivePoolingForward"),
        ("BatchNorm", "BatchNormForward"),
        ("BatchNormV1", "BatchNormForward"),
        ("Dimshuffle", "Dimshuffle"),
        ("ReshapeV1", "Reshape"),
        ("Broadcast", "Broadcast"),
        ("AxisAddRemove", "AxisAddRemove"),
        ("Concat", "Concat"),
        ("Split", "Split"),
        ("Subtensor", "Subtensor"),
        ("SetSubtensor", "SetSubtensor"),
        ("IncrSubtensor", "IncrSubtensor"),
        ("IndexingMultiAxisVec", "IndexingMultiAxisVec"),
        ("IndexingOneHot", "IndexingOneHot"),
        ("GetVarShapeV1", "GetVarShape"),
        ("ResizeV2", "ResizeForward"),
        ("WarpPerspectiveV2", "WarpPerspectiveForward"),
        ("Softmax", "SoftmaxForward"),
        ("LayerNorm", "LayerNormForward"),
        ("GroupNorm", "GroupNormForward"),
        ("Argmax", "Argmax"),
        ("Argmin", "Argmin"),
        ("Argsort", "ArgsortForward"),
        ("TopK", "TopK"),
        ("Linspace", "Linspace"),
        ("Eye", "Eye"),
        ("CumsumV1", "Cumsum"),
        ("CondTake", "CondTake"),
        ("Dropout", "DropoutForward"),
        ("FakeQuant", "FakeQuantForward"),
        ("TQT", "TQTForward"),
        ("LSQ", "LSQForward"),
        ("Padding", "PaddingForward"),
        ("MarkNoBroadcastElemwise", "MarkNoBroadcastElemwise"),
        ("Identity", "Identity"),
        ("Copy", "Copy"),
        ("AssertEqual", "AssertEqual"),
        ("Where", "Where"),
        ("RelayoutFormatV1", "RelayoutFormat"),
        ("UniformRNGV1", "UniformRNG"),
    ];

    private static readonly Dictionary<string, string> ByName = BuildNames();
    private static readonly Dictionary<ulong, string> ById = BuildIds();

    /// <summary>The operator class of a v2 <c>type</c> string; null when unknown or empty.</summary>
    public static string? FromName(string? type) =>
        string.IsNullOrEmpty(type) ? null : ByName.GetValueOrDefault(type) ?? ByName.GetValueOrDefault(StripVersion(type));

    public static string? FromId(ulong typeId) => ById.GetValueOrDefault(typeId);

    public static ulong Hash(string text, bool withNul)
    {
        var bytes = Encoding.ASCII.GetBytes(withNul ? text + "\0" : text);
        var h = XxHash64.HashToUInt64(bytes, Seed);
        return h == 0 ? 1 : h;
    }

    public static string StripVersion(string name) =>
        name.Length >= 3 && char.IsAsciiDigit(name[^1]) && name[^2] == 'V' ? name[..^2] : name;

    private static Dictionary<string, string> BuildNames()
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (reg, cls) in Registrations)
        {
            map.TryAdd(reg, cls);
            map.TryAdd(StripVersion(reg), cls);
            map.TryAdd(cls, cls);
        }

        return map;
    }

    private static Dictionary<ulong, string> BuildIds()
    {
        var map = new Dictionary<ulong, string>();
        foreach (var (reg, cls) in Registrations)
        {
            var stripped = StripVersion(reg);
            map.TryAdd(Hash(reg, withNul: true), cls);
            map.TryAdd(Hash(stripped, withNul: false), cls);
            map.TryAdd(Hash(stripped, withNul: true), cls);
            map.TryAdd(Hash(cls, withNul: true), cls);
        }

        return map;
    }
}
