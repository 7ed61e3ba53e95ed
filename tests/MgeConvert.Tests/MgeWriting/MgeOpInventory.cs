using MgeConvert.Formats.Mge;
using MgeConvert.Tests.Support;

namespace MgeConvert.Tests.MgeWriting;

/// <summary>How one operator class is recorded in one container: id, v2 type string and version, param tags, output count, tensor layout.</summary>
internal sealed record MgeOpConvention(string Container, string Class, ulong TypeId, string TypeName, uint OprVersion, string ParamTags, string Tensors, int Outputs)
{
    /// <remarks>
    /// Host2DeviceCopy tensors are compared by naming only: MegEngine's current mgv2 dumper stores the dump-time
    /// input value with them, older ones and the writer store shape and dtype only (META_INPUT, §7.2); loaders take both.
    /// </remarks>
    public static MgeOpConvention Of(string container, MgeOperatorRecord op) => new(
        container, op.Type, op.TypeId, op.TypeName ?? "", op.OprVersion,
        string.Join("+", op.Params.Select(p => p.Tag.ToString())),
        string.Join(",", op.Tensors.Select(t => (t.Name is null ? "anonymous" : "named") + (op.Type == "Host2DeviceCopy" ? "" : t.Data is { Length: > 0 } ? "/value" : "/meta"))),
        op.Outputs.Count);

    /// <summary>Everything that must agree between MegEngine's files and ours.</summary>
    public string Key => $"{Container} {Class} id={TypeId} type={TypeName} v{OprVersion} params={ParamTags} tensors={Tensors} outputs={Outputs}";

    /// <summary>The container-independent part (param tables, tensor layout, output count).</summary>
    public string Shape => $"{Class} params={ParamTags} tensors={Tensors} outputs={Outputs}";
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
