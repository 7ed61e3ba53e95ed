using System.Buffers.Binary;
using System.Text;

namespace MgeConvert.Formats.TFLite;

/// <summary>
/// Encodes a FlexBuffers map of integer values, the custom_options format of TFLite custom operators (the MTK
/// custom ops of --mtk). The Google.FlatBuffers package has no FlexBuffers builder, and only this one shape
/// is needed. Layout (FlexBuffers spec, every field 4 bytes wide, offsets are unsigned distances back from the
/// field to its target): key strings, the sorted key vector, the map (key-vector offset, key width, length,
/// values, one type byte per value), then the root: offset to the map, root type byte, root width byte.
/// </summary>
internal static class FlexBufferMap
{
    private const int Width = 4;
    private const byte BitWidth32 = 2;
    private const byte TypeInt = 1;
    private const byte TypeMap = 9;

    public static byte[] Encode(IReadOnlyDictionary<string, int> entries)
    {
        var keys = entries.Keys.OrderBy(k => k, StringComparer.Ordinal).ToArray();
        var buffer = new List<byte>();
        var keyStarts = new int[keys.Length];
        for (var i = 0; i < keys.Length; i++)
        {
            keyStarts[i] = buffer.Count;
            buffer.AddRange(Encoding.UTF8.GetBytes(keys[i]));
            buffer.Add(0);
        }

        Align(buffer);
        Write(buffer, keys.Length);
        var keyVector = buffer.Count;
        for (var i = 0; i < keys.Length; i++)
        {
            Write(buffer, buffer.Count - keyStarts[i]);
        }

        Write(buffer, buffer.Count - keyVector);
        Write(buffer, Width);
        Write(buffer, keys.Length);
        var values = buffer.Count;
        foreach (var key in keys)
        {
            Write(buffer, entries[key]);
        }

        foreach (var _ in keys)
        {
            buffer.Add((byte)((TypeInt << 2) | BitWidth32));
        }

        Align(buffer);
        Write(buffer, buffer.Count - values);
        buffer.Add((byte)((TypeMap << 2) | BitWidth32));
        buffer.Add(Width);
        return [.. buffer];
    }

    private static void Align(List<byte> buffer)
    {
        while (buffer.Count % Width != 0)
        {
            buffer.Add(0);
        }
    }

    private static void Write(List<byte> buffer, int value)
    {
        Span<byte> bytes = stackalloc byte[Width];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, value);
        buffer.AddRange(bytes);
    }
}
