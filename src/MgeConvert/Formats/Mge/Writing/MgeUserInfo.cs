using System.Globalization;
using System.Text;

namespace MgeConvert.Formats.Mge.Writing;

/// <summary>
/// Metadata.user_info holds <c>pickle.dumps(user_info)</c> (docs/mge-format.md §11.1) in a FlatBuffers string.
/// A protocol-0 pickle of a str is pure ASCII, so it survives the string field unchanged.
/// </summary>
internal static class MgeUserInfo
{
    /// <summary>Protocol-0 pickle of <paramref name="text"/>: opcode UNICODE ('V'), raw-unicode-escape text, '\n', STOP.</summary>
    public static string PickleOf(string text)
    {
        var pickle = new StringBuilder(text.Length + 3).Append('V');
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                pickle.Append(CultureInfo.InvariantCulture, $"\\U{char.ConvertToUtf32(c, text[++i]):x8}");
            }
            else if (c is < ' ' or > '~' or '\\')
            {
                // raw-unicode-escape knows only \u and \U; a literal backslash or newline would change the text.
                pickle.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            }
            else
            {
                pickle.Append(c);
            }
        }

        return pickle.Append("\n.").ToString();
    }
}
