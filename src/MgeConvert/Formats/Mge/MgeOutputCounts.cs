using MgeConvert.Formats.Mge.Fbs;

namespace MgeConvert.Formats.Mge;

/// <summary>
/// Number of numbered (non-volatile) outputs per operator, needed for FBS v1 files whose var ids are
/// implicit (docs/mge-format.md §6, §9).
/// </summary>
internal static class MgeOutputCounts
{
    /// <summary>MegEngine master builds write 1099900, inside the MegBrain 8.x range (§1.3 correction).</summary>
    private const uint MasterBuildVersion = 1099900;

    public static int Numbered(MgeOperatorRecord op, uint version, int? blobCount) => op.Type switch
    {
        "BatchNormForward" => BatchNormOutputs(op, version),
        "Split" => Math.Max(op.Inputs.Length - 1, 1),
        "MultipleDeviceTensorHolder" => blobCount ?? op.Tensors.Count,
        "LayerNormForward" or "GroupNormForward" => 3,
        "TopK" => op.Param(OperatorParam.TopK) is { } p && p.As<TopK>().Mode == TopKMode.KTH_ONLY ? 1 : 2,
        "DropoutForward" or "ArgsortForward" or "CondTake" => 2,
        _ => 1,
    };

    public static int BatchNormOutputs(MgeOperatorRecord op, uint version)
    {
        var training = op.Param(OperatorParam.BN) is not { } p || p.As<BN>().FwdMode == BNFwdMode.TRAINING;
        if (training && op.Inputs.Length == 5)
        {
            return 6;
        }

        var megBrain8 = version >= 800000 && version != MasterBuildVersion;
        return megBrain8 ? 3 : 4;
    }
}
