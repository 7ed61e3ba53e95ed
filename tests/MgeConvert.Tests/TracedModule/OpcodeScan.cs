using System.Buffers.Binary;

namespace MgeConvert.Tests.TracedModule;

/// <summary>The opcodes of a pickle stream in order (argument bytes skipped), like pickletools.genops.</summary>
internal static class OpcodeScan
{
    public static IEnumerable<byte> Opcodes(byte[] data)
    {
        var pos = 0;
        while (pos < data.Length)
        {
            var op = data[pos++];
            yield return op;
            if (op == (byte)'.')
            {
                yield break;
            }

            pos += op switch
            {
                (byte)'K' or (byte)'h' or (byte)'q' or 0x80 or 0x82 => 1,
                (byte)'M' or 0x83 => 2,
                (byte)'J' or (byte)'j' or (byte)'r' or 0x84 => 4,
                (byte)'G' or 0x95 => 8,
                0x8c or (byte)'C' or (byte)'U' or 0x8a => 1 + data[pos],
                (byte)'X' or (byte)'B' or (byte)'T' or 0x8b => 4 + (int)BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(pos)),
                0x8d or 0x8e or 0x96 => 8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(data.AsSpan(pos)),
                (byte)'c' or (byte)'i' => Line(data, Line(data, pos)) - pos,
                (byte)'I' or (byte)'L' or (byte)'F' or (byte)'S' or (byte)'V' or (byte)'g' or (byte)'p' or (byte)'P' => Line(data, pos) - pos,
                _ => 0,
            };
        }
    }

    private static int Line(byte[] data, int pos) => Array.IndexOf(data, (byte)'\n', pos) + 1;
}
