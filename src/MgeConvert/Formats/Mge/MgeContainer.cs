using System.Buffers.Binary;
using System.Text;

namespace MgeConvert.Formats.Mge;

internal enum MgeContainer
{
    Mgv2,
    Mgbc,
    Mgbs,
}

/// <summary>Where the graph starts and which container it is (docs/mge-format.md §1.2).</summary>
internal readonly record struct MgeLayout(MgeContainer Container, int Start, int TestCaseCount);

internal static class MgeDetector
{
    private const ulong MagicMgbc = 0x4342474D;
    private const ulong MagicMgbs = 0x5342474D;

    public static bool LooksLikeMge(ReadOnlySpan<byte> header)
    {
        var pos = HasPrefix(header, "mgbtest0") ? 12 : 0;
        return header.Length >= pos + 12 && Classify(header[pos..]) is not null;
    }

    /// <summary>The layout of a file, or a <see cref="ModelFormatException"/> saying what the file is instead.</summary>
    public static MgeLayout Detect(string file, ReadOnlySpan<byte> bytes)
    {
        var pos = 0;
        var testCases = 0;
        if (HasPrefix(bytes, "mgbtest0"))
        {
            if (bytes.Length < 12)
            {
                throw new ModelFormatException(file, "truncated test-case file: the mgbtest0 header needs 12 bytes", bytes.Length);
            }

            testCases = (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]), int.MaxValue);
            pos = 12;
        }

        var rest = bytes[pos..];
        if (rest.Length >= 2 && rest[0] == 0x80 && rest[1] is >= 2 and <= 5)
        {
            throw new ModelFormatException(file,
                "this is a weights/state file (a Python pickle), not a graph dump (e.g. written by megengine.save); " +
                "dump the model with jit.trace(...).dump(...) to get a .mge graph, or convert a TracedModule .tm file", pos);
        }

        if (HasPrefix(rest, "mgb0001") || HasPrefix(rest, "mgb0000a"))
        {
            throw new ModelFormatException(file,
                "this is MegEngine's internal (proprietary) mgb0001/mgb0000a graph format, which has no public specification and is not supported; " +
                "re-dump the model with an open-source MegEngine (trace.dump writes the FlatBuffers format)", pos);
        }

        if (HasPrefix(rest, "packed_model"))
        {
            throw new ModelFormatException(file, "this is a MegEngine Lite packed model (packed_model wrapper), which is not supported; pass the plain .mge graph dump", pos);
        }

        if (Classify(rest) is { } container)
        {
            return new MgeLayout(container, pos, testCases);
        }

        var shown = Convert.ToHexString(rest[..Math.Min(rest.Length, 12)]);
        throw new ModelFormatException(file,
            $"not a MegEngine graph dump: expected \"MGBS\"/\"MGBC\" at byte {pos} or \"mgv2\" at byte {pos + 8}, found {shown}" +
            (rest.Length < 12 ? $" (the file is only {bytes.Length} bytes long)" : ""), pos);
    }

    private static MgeContainer? Classify(ReadOnlySpan<byte> b)
    {
        if (b.Length >= 8)
        {
            var m64 = BinaryPrimitives.ReadUInt64LittleEndian(b);
            if (m64 == MagicMgbc)
            {
                return MgeContainer.Mgbc;
            }

            if (m64 == MagicMgbs)
            {
                return MgeContainer.Mgbs;
            }
        }

        return b.Length >= 12 && HasPrefix(b[8..], "mgv2") ? MgeContainer.Mgv2 : null;
    }

    private static bool HasPrefix(ReadOnlySpan<byte> b, string text) =>
        b.Length >= text.Length && b[..text.Length].SequenceEqual(Encoding.ASCII.GetBytes(text));
}
