namespace MgeConvert.Formats.Mge.Writing;

/// <summary>What a container records to identify an operator: v2 <c>type</c> string (empty in v1), type id and record version.</summary>
internal readonly record struct MgeTypeRecord(string Type, ulong TypeId, uint Version);

/// <summary>
/// Registration names of the operators the writer emits (docs/mge-format.md §8.2, §8.3): the FBS v1 name and,
/// for classes with a version-2 record (mandatory for the convolution family in mgv2, §9), the v2 name.
/// </summary>
internal static class MgeWriteTypes
{
    private static readonly Dictionary<string, (string V1Name, string? V2Name)> Registrations = new(StringComparer.Ordinal)
    {
        ["Host2DeviceCopy"] = ("Host2DeviceCopy", "Host2DeviceCopy"),
        ["ImmutableTensor"] = ("ImmutableTensor", "ImmutableTensor"),
        ["ConvolutionForward"] = ("ConvolutionV2", "Convolution"),
        ["ConvolutionBackwardData"] = ("ConvolutionBackwardDataV2", "ConvolutionBackwardData"),
        ["MatrixMul"] = ("MatrixMulV2", null),
        ["BatchedMatrixMul"] = ("BatchedMatrixMulV2", null),
        ["Elemwise"] = ("Elemwise", null),
        ["TypeCvt"] = ("TypeCvtV2", null),
        ["PowC"] = ("PowC", null),
        ["Reduce"] = ("ReduceV2", null),
        ["PoolingForward"] = ("PoolingV1", null),
        ["AdaptivePoolingForward"] = ("AdaptivePoolingV1", null),
        ["Dimshuffle"] = ("Dimshuffle", null),
        ["Reshape"] = ("ReshapeV1", null),
        ["Broadcast"] = ("Broadcast", null),
        ["AxisAddRemove"] = ("AxisAddRemove", null),
        ["Concat"] = ("Concat", null),
        ["Subtensor"] = ("Subtensor", null),
        ["IndexingMultiAxisVec"] = ("IndexingMultiAxisVec", null),
        ["IndexingOneHot"] = ("IndexingOneHot", null),
        ["GetVarShape"] = ("GetVarShapeV1", null),
        ["ResizeForward"] = ("ResizeV2", null),
        ["WarpPerspectiveForward"] = ("WarpPerspectiveV2", null),
        ["SoftmaxForward"] = ("Softmax", "Softmax"),
        ["LayerNormForward"] = ("LayerNorm", null),
        ["Argmax"] = ("Argmax", null),
        ["Argmin"] = ("Argmin", null),
        ["TopK"] = ("TopK", null),
        ["PaddingForward"] = ("Padding", null),
        ["Identity"] = ("Identity", null),
    };

    public static bool IsKnown(string cls) => Registrations.ContainsKey(cls);

    public static IEnumerable<string> Classes => Registrations.Keys;

    /// <summary>MGBC: persist id of the v1 name; MGBS: unversioned id; mgv2: version-2 record if any, else the version-1 record.</summary>
    public static MgeTypeRecord For(string cls, MgeContainer container)
    {
        var (v1, v2) = Registrations[cls];
        return container switch
        {
            MgeContainer.Mgbc => new("", MgeOperatorTypes.Hash(v1, withNul: true), 0),
            MgeContainer.Mgbs => new("", MgeOperatorTypes.Hash(MgeOperatorTypes.StripVersion(v1), withNul: false), 0),
            _ when v2 is not null => new(v2, MgeOperatorTypes.Hash(v2, withNul: true), 2),
            _ => new(v1, MgeOperatorTypes.Hash(MgeOperatorTypes.StripVersion(v1), withNul: false), 1),
        };
    }
}
