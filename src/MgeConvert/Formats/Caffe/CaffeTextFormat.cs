using System.Collections;
using System.Globalization;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace MgeConvert.Formats.Caffe;

/// <summary>
/// Protobuf text format (the .prototxt syntax) for any generated message: fields in declaration order,
/// two-space indentation, floats in shortest round-trip form. The output depends only on the message.
/// </summary>
public static class CaffeTextFormat
{
    public static string Print(IMessage message)
    {
        var text = new StringBuilder();
        PrintFields(message, 0, text);
        return text.ToString();
    }

    private static void PrintFields(IMessage message, int depth, StringBuilder text)
    {
        foreach (var field in message.Descriptor.Fields.InDeclarationOrder())
        {
            var value = field.Accessor.GetValue(message);
            if (field.IsRepeated)
            {
                foreach (var item in (IList)value)
                {
                    PrintField(field, item, depth, text);
                }
            }
            else if (field.Accessor.HasValue(message))
            {
                PrintField(field, value, depth, text);
            }
        }
    }

    private static void PrintField(FieldDescriptor field, object value, int depth, StringBuilder text)
    {
        text.Append(' ', depth * 2).Append(field.Name);
        if (field.FieldType is FieldType.Message or FieldType.Group)
        {
            text.Append(" {\n");
            PrintFields((IMessage)value, depth + 1, text);
            text.Append(' ', depth * 2).Append("}\n");
            return;
        }

        text.Append(": ").Append(Scalar(field, value)).Append('\n');
    }

    private static string Scalar(FieldDescriptor field, object value) => field.FieldType switch
    {
        FieldType.String => Quote((string)value),
        FieldType.Bool => (bool)value ? "true" : "false",
        FieldType.Enum => field.EnumType.FindValueByNumber(Convert.ToInt32(value, CultureInfo.InvariantCulture))?.Name
            ?? Convert.ToInt32(value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture),
        FieldType.Float => Real((float)value),
        FieldType.Double => Real((double)value),
        FieldType.Bytes => Quote(((ByteString)value).ToStringUtf8()),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture)!,
    };

    private static string Real(double value)
    {
        if (double.IsNaN(value))
        {
            return "nan";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "inf" : "-inf";
        }

        return value.ToString("R", CultureInfo.InvariantCulture).Replace("E", "e", StringComparison.Ordinal);
    }

    private static string Real(float value) =>
        float.IsFinite(value) ? value.ToString("R", CultureInfo.InvariantCulture).Replace("E", "e", StringComparison.Ordinal) : Real((double)value);

    private static string Quote(string s)
    {
        var text = new StringBuilder(s.Length + 2).Append('"');
        foreach (var b in Encoding.UTF8.GetBytes(s))
        {
            switch (b)
            {
                case (byte)'"': text.Append("\\\""); break;
                case (byte)'\\': text.Append("\\\\"); break;
                case (byte)'\n': text.Append("\\n"); break;
                case < 0x20 or >= 0x7f: text.Append('\\').Append(Convert.ToString(b, 8).PadLeft(3, '0')); break;
                default: text.Append((char)b); break;
            }
        }

        return text.Append('"').ToString();
    }
}
