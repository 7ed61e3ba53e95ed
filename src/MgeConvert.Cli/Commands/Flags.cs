using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace MgeConvert.Cli.Commands;

/// <summary>
/// Factories for the conversion flags. Each flag keeps the original mgeconvert spelling and also accepts the
/// other separator (--end_point and --end-point). Every call returns a new instance (one per command).
/// </summary>
internal static class Flags
{
    public const int MinOpset = 7;
    public const int MaxOpset = 21;
    public const int DefaultOpset = 13;

    /// <summary>Quantized dtype names of MegEngine plus the numpy integer dtypes (original --input_data_type).</summary>
    public static readonly string[] InputDataTypes =
    [
        "quint8", "qint8", "qint8_narrow", "quint4", "qint4", "qint1", "qint32", "quint2", "qint2",
        "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64",
    ];

    public static Option<string> Input() => new("--input", "-i")
    {
        Description = "Input model file",
        HelpName = "file",
        Required = true,
    };

    public static Option<string> Output(string what) => new("--output", "-o")
    {
        Description = $"Output {what} file",
        HelpName = "file",
        Required = true,
    };

    public static Option<string> Prototxt() => new("--prototxt", "-c")
    {
        Description = "Output Caffe network description (.prototxt)",
        HelpName = "file",
        Required = true,
    };

    public static Option<string> CaffeModel() => new("--caffemodel", "-b")
    {
        Description = "Output Caffe weights (.caffemodel)",
        HelpName = "file",
        Required = true,
    };

    public static Option<string[]> EndPoint()
    {
        var option = new Option<string[]>("--end_point", "--end-point", "--outspec")
        {
            Description = "Values to use as outputs instead of the model's own; ';'-separated or repeated",
            HelpName = "names",
            AllowMultipleArgumentsPerToken = true,
            CustomParser = SplitEndPoints,
        };
        return option;
    }

    public static Option<string> GraphName() => new("--graph_name", "--graph-name")
    {
        Description = "Name of the output graph",
        HelpName = "name",
        DefaultValueFactory = _ => "graph",
    };

    public static Option<int> Opset()
    {
        var option = new Option<int>("--opset")
        {
            Description = $"ONNX opset version ({MinOpset}-{MaxOpset})",
            DefaultValueFactory = _ => DefaultOpset,
        };
        option.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<int>();
            if (value is < MinOpset or > MaxOpset)
            {
                result.AddError($"--opset must be between {MinOpset} and {MaxOpset}, got {value}");
            }
        });
        return option;
    }

    public static Option<bool> Switch(string name, string description) => new(name, OtherSpelling(name))
    {
        Description = description,
    };

    public static Option<string> InputDataType()
    {
        var option = new Option<string>("--input_data_type", "--input-data-type")
        {
            Description = "Quantized dtype of every graph input (" + string.Join(", ", InputDataTypes) + ")",
            HelpName = "dtype",
        };
        option.AcceptOnlyFromAmong(InputDataTypes);
        return option;
    }

    public static Option<float[]> InputScales() => new("--input_scales", "--input-scales")
    {
        Description = "Quantization scale of each input (space- or comma-separated; the last one repeats)",
        HelpName = "scales",
        AllowMultipleArgumentsPerToken = true,
        CustomParser = result => ParseNumbers(result, "--input_scales", s => float.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture)),
    };

    public static Option<long[]> InputZeroPoints() => new("--input_zero_points", "--input-zero-points")
    {
        Description = "Quantization zero point of each input (space- or comma-separated; the last one repeats)",
        HelpName = "zero_points",
        AllowMultipleArgumentsPerToken = true,
        CustomParser = result => ParseNumbers(result, "--input_zero_points", ParseZeroPoint),
    };

    public static Option<string> QuantizeFilePath() => new("--quantize_file_path", "--quantize-file-path")
    {
        Description = "Where to write the quantization parameters (JSON) of a QAT model",
        HelpName = "file",
        DefaultValueFactory = _ => "quant_params.json",
    };

    /// <summary>--convert_backend: 1/caffe, 2/snpe, 3/trt, 4/nnie.</summary>
    public static Option<int> ConvertBackend() => new("--convert_backend", "--convert-backend")
    {
        Description = "Caffe flavour: 1|caffe, 2|snpe, 3|trt, 4|nnie",
        HelpName = "backend",
        DefaultValueFactory = _ => 1,
        CustomParser = ParseBackend,
    };

    public static Option<string> MgeFormat()
    {
        var option = new Option<string>("--mge_format", "--mge-format")
        {
            Description = "MegEngine dump container: mgv2, MGBC or MGBS",
            HelpName = "container",
            DefaultValueFactory = _ => "mgv2",
        };
        option.AcceptOnlyFromAmong("mgv2", "MGBC", "MGBS");
        return option;
    }

    /// <summary>The flag with '_' and '-' swapped after the leading dashes.</summary>
    public static string OtherSpelling(string name)
    {
        var body = name.TrimStart('-');
        var prefix = name[..(name.Length - body.Length)];
        return prefix + (body.Contains('_') ? body.Replace('_', '-') : body.Replace('-', '_'));
    }

    private static string[] SplitEndPoints(ArgumentResult result) =>
        [.. result.Tokens.SelectMany(t => t.Value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))];

    private static T[] ParseNumbers<T>(ArgumentResult result, string flag, Func<string, T> parse)
    {
        var values = new List<T>();
        foreach (var token in result.Tokens)
        {
            foreach (var part in token.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                try
                {
                    values.Add(parse(part));
                }
                catch (FormatException)
                {
                    result.AddError($"{flag}: '{part}' is not a number");
                    return [];
                }
                catch (OverflowException)
                {
                    result.AddError($"{flag}: '{part}' is out of range");
                    return [];
                }
            }
        }

        return [.. values];
    }

    /// <summary>Zero points are read as a number and truncated, as the original did (int(float(s))).</summary>
    private static long ParseZeroPoint(string text) =>
        checked((long)double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture));

    private static int ParseBackend(ArgumentResult result)
    {
        var text = result.Tokens.Count == 0 ? "1" : result.Tokens[0].Value.Trim().ToLowerInvariant();
        switch (text)
        {
            case "1" or "caffe":
                return 1;
            case "2" or "snpe":
                return 2;
            case "3" or "trt":
                return 3;
            case "4" or "nnie":
                return 4;
            default:
                result.AddError($"--convert_backend: unsupported backend '{text}', expected 1|caffe, 2|snpe, 3|trt or 4|nnie");
                return 1;
        }
    }
}
