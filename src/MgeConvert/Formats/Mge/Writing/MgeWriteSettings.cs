namespace MgeConvert.Formats.Mge.Writing;

/// <summary>Container and dump-level fields of one written file (docs/mge-format.md §1.3, §11.1, §15).</summary>
internal sealed record MgeWriteSettings(MgeContainer Container, ulong OptimizeOptions)
{
    /// <summary>Metadata.user_info: a pickle, empty when there is nothing to record.</summary>
    public string UserInfo { get; init; } = "";

    /// <summary>The comp node every tensor gets (§7.1: "xpux" = any device).</summary>
    public const string CompNode = "xpux";

    /// <summary>mgb_version / mge_version of the release each container targets: 1.7 (MGBS), 1.9 (MGBC), 1.13 (mgv2).</summary>
    public uint Version => Container switch
    {
        MgeContainer.Mgbs => 100700,
        MgeContainer.Mgbc => 100900,
        _ => 101300,
    };

    public static MgeContainer Parse(string file, string format) => format.ToUpperInvariant() switch
    {
        "MGV2" or "FBS_V2" => MgeContainer.Mgv2,
        "MGBC" or "FBS" => MgeContainer.Mgbc,
        "MGBS" => MgeContainer.Mgbs,
        _ => throw new ModelFormatException(file, $"unknown .mge format \"{format}\"; expected mgv2, MGBC or MGBS"),
    };
}
