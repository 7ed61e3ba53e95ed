using System.Globalization;
using MgeConvert.Ir;

namespace MgeConvert.Formats.TorchScript;

/// <summary>Python/TorchScript spellings of literals, lists and scalar types.</summary>
internal static class TorchScriptLiterals
{
    public static string Float(double value)
    {
        if (double.IsPositiveInfinity(value))
        {
            return "3.4028234663852886e+38";
        }

        if (double.IsNegativeInfinity(value))
        {
            return "-3.4028234663852886e+38";
        }

        var text = value.ToString("R", CultureInfo.InvariantCulture);
        return text.Contains('.', StringComparison.Ordinal) || text.Contains('E', StringComparison.Ordinal)
            ? text.Replace("E", "e", StringComparison.Ordinal)
            : text + ".";
    }

    public static string Float(float value) => Float(double.Parse(value.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture));

    public static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Bool(bool value) => value ? "True" : "False";

    public static string Ints(IEnumerable<long> values) => "[" + string.Join(", ", values.Select(Int)) + "]";

    /// <summary>c10::ScalarType codes, which serialized TorchScript uses for dtype arguments.</summary>
    public static int? ScalarType(ElementType type) => type switch
    {
        ElementType.UInt8 => 0,
        ElementType.Int8 => 1,
        ElementType.Int16 => 2,
        ElementType.Int32 => 3,
        ElementType.Int64 => 4,
        ElementType.Float16 => 5,
        ElementType.Float32 => 6,
        ElementType.Float64 => 7,
        ElementType.Bool => 11,
        _ => null,
    };

    /// <summary>A valid identifier made from <paramref name="name"/> (letters, digits and underscores).</summary>
    public static string Identifier(string prefix, string name)
    {
        var chars = name.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_').ToArray();
        var core = new string(chars).Trim('_');
        return core.Length == 0 ? prefix.TrimEnd('_') : prefix + core;
    }
}
