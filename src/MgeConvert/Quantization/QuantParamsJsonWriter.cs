using System.Globalization;
using System.Text;
using MgeConvert.IO;
using MgeConvert.Ir;

namespace MgeConvert.Quantization;

/// <summary>
/// Writes mgeconvert's quant_params.json: an object keyed by IR tensor name, each entry
/// {"dtype", "qmin", "qmax", "scale", "zero_point", "is_weight"}, laid out like Python's json.dumps(indent=4).
/// With --param_fake_quant, quantized constants are replaced by their fake-quantized values and not listed.
/// Nothing is written when no value is quantized.
/// </summary>
public static class QuantParamsJsonWriter
{
    /// <summary>Applies the options and writes the file; returns false when the graph has no quantized value.</summary>
    public static bool Write(Graph graph, ConversionOptions options, string? path = null)
    {
        var entries = Collect(graph, options.ParamFakeQuant);
        if (entries.Count == 0)
        {
            return false;
        }

        var text = Format(entries);
        AtomicFile.Write(path ?? options.QuantizeFilePath, s =>
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            s.Write(bytes);
        });
        return true;
    }

    /// <summary>The entries in graph order: graph inputs, then every node's inputs and outputs.</summary>
    public static List<(string Name, QuantInfo Info, bool IsWeight)> Collect(Graph graph, bool paramFakeQuant)
    {
        var result = new List<(string, QuantInfo, bool)>();
        var seen = new HashSet<Value>();
        foreach (var value in graph.Inputs.Concat(graph.Nodes.SelectMany(n => n.Inputs.OfType<Value>().Concat(n.Outputs))).Concat(graph.Outputs))
        {
            if (!seen.Add(value) || QuantAnnotations.Get(value) is not { } info)
            {
                continue;
            }

            if (paramFakeQuant && value.Constant is { } data)
            {
                value.SetConstant(FakeQuant.Apply(data, info));
                QuantAnnotations.Set(value, info);
                continue;
            }

            result.Add((value.Name, info, value.IsConstant));
        }

        return result;
    }

    public static string Format(IReadOnlyList<(string Name, QuantInfo Info, bool IsWeight)> entries)
    {
        var sb = new StringBuilder("{");
        for (var i = 0; i < entries.Count; i++)
        {
            var (name, info, isWeight) = entries[i];
            sb.Append(i == 0 ? "\n" : ",\n");
            sb.Append("    ").Append(JsonString(name)).Append(": {\n");
            sb.Append("        \"dtype\": ").Append(JsonString(info.DTypeName.StartsWith('q') ? info.DTypeName[1..] : info.DTypeName)).Append(",\n");
            sb.Append("        \"qmin\": ").Append(info.QMin.ToString(CultureInfo.InvariantCulture)).Append(",\n");
            sb.Append("        \"qmax\": ").Append(info.QMax.ToString(CultureInfo.InvariantCulture)).Append(",\n");
            sb.Append("        \"scale\": ").Append(Numbers(info.Scales.Select(s => PythonFloat(s)).ToList(), info.IsPerTensor)).Append(",\n");
            sb.Append("        \"zero_point\": ").Append(info.ZeroPoints is null ? "null"
                : Numbers([.. info.ZeroPoints.Select(z => z.ToString(CultureInfo.InvariantCulture))], info.IsPerTensor)).Append(",\n");
            sb.Append("        \"is_weight\": ").Append(isWeight ? "true" : "false").Append('\n');
            sb.Append("    }");
        }

        sb.Append(entries.Count == 0 ? "}" : "\n}");
        return sb.ToString();
    }

    /// <summary>Python's repr of a float (shortest round-trip digits, "1e-05" style exponents, ".0" on integers).</summary>
    public static string PythonFloat(double value)
    {
        if (double.IsNaN(value))
        {
            return "NaN";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "Infinity" : "-Infinity";
        }

        var r = value.ToString("E16", CultureInfo.InvariantCulture);
        var shortest = value.ToString("R", CultureInfo.InvariantCulture);
        var digits = shortest.Split('E')[0].Replace("-", "", StringComparison.Ordinal).Replace(".", "", StringComparison.Ordinal).TrimStart('0');
        var exponent = int.Parse(r.Split('E')[1], CultureInfo.InvariantCulture);
        digits = digits.Length == 0 ? "0" : digits.TrimEnd('0');
        if (digits.Length == 0)
        {
            digits = "0";
        }

        var sign = value < 0 || (value == 0 && double.IsNegative(value)) ? "-" : "";
        if (value == 0)
        {
            return sign + "0.0";
        }

        if (exponent is < -4 or >= 16)
        {
            var mantissa = digits.Length == 1 ? digits : digits[0] + "." + digits[1..];
            return $"{sign}{mantissa}e{(exponent < 0 ? "-" : "+")}{Math.Abs(exponent):00}";
        }

        if (exponent < 0)
        {
            return sign + "0." + new string('0', -exponent - 1) + digits;
        }

        if (digits.Length <= exponent + 1)
        {
            return sign + digits + new string('0', exponent + 1 - digits.Length) + ".0";
        }

        return sign + digits[..(exponent + 1)] + "." + digits[(exponent + 1)..];
    }

    private static string Numbers(List<string> values, bool single)
    {
        if (single)
        {
            return values[0];
        }

        return "[\n" + string.Join(",\n", values.Select(v => "            " + v)) + "\n        ]";
    }

    private static string JsonString(string s)
    {
        var sb = new StringBuilder("\"");
        foreach (var ch in s)
        {
            switch (ch)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (ch < 0x20 || ch > 0x7e)
                    {
                        sb.Append("\\u").Append(((int)ch).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(ch);
                    }

                    break;
            }
        }

        return sb.Append('"').ToString();
    }
}
