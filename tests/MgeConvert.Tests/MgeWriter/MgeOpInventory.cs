using MgeConvert.Formats.Mge;
using MgeConvert.Tests.Support;

namespace MgeConvert.Tests.MgeWriter;

/// <summary>How one operator class is recorded in one container: id, v2 type string and version, param tags, output count, tensor layout.</summary>
internal sealed record MgeOpConvention(string Container, string Class, ulong TypeId, string TypeName, uint OprVersion, string ParamTags, string Tensors)
{
    public static MgeOpConvention Of(string container, MgeOperatorRecord op) => new(
        container, op.Type, op.TypeId, op.TypeName ?? "", op.OprVersion,
        string.Join("+", op.Params.Select(p => p.Tag.ToString())),
        string.Join(",", op.Tensors.Select(t => $"{(t.Name is null ? "anonymous" : "named")}/{(t.Data is null ? "meta" : "value")}")));

    /// <summary>The part that must agree between MegEngine's files and ours (param tags of ops whose params vary per mode are listed as sets).</summary>
    public string Key => $"{Container} {Class} id={TypeId} type={TypeName} v{OprVersion} params={ParamTags} tensors={Tensors}";
}

/// <summary>Every operator convention found in a set of dumps.</summary>
internal static class MgeOpInventory
{
    public static IReadOnlyList<string> FixtureDumps() =>
        [.. FixtureCorpus.Cases(c => c.ExpectOk && c.ModelPath.EndsWith(".mge", StringComparison.Ordinal)).Select(c => c.ModelPath)];

    public static MgeDump Load(string path, byte[] bytes)
    {
        var layout = MgeDetector.Detect(path, bytes);
        return MgeDumpLoader.Load(path, bytes, layout.Start, layout.Container);
    }

    public static IEnumerable<MgeOpConvention> Conventions(string path, byte[] bytes)
    {
        var dump = Load(path, bytes);
        return dump.Operators.Select(op => MgeOpConvention.Of(dump.Container, op));
    }
}
