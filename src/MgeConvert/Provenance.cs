using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using MgeConvert.Formats;

namespace MgeConvert;

/// <summary>
/// Where an output came from: converter version, source file name and SHA-256, conversion and the options that
/// shape the output. Output paths and times are left out so the same conversion writes the same bytes.
/// </summary>
public sealed record Provenance(string Converter, string Version, string Conversion, string SourceFile, string SourceSha256, IReadOnlyList<KeyValuePair<string, string>> Options)
{
    /// <summary>The <see cref="Ir.Graph.Metadata"/> key under which writers find <see cref="ToJson"/>.</summary>
    public const string MetadataKey = "mgeconvert.provenance";

    public static string ConverterVersion { get; } =
        typeof(Provenance).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(Provenance).Assembly.GetName().Version?.ToString() ?? "0";

    /// <summary>The record of converting <paramref name="input"/>, whose SHA-256 (<see cref="Sha256Of"/>) is <paramref name="sourceSha256"/>.</summary>
    public static Provenance Of(ModelFormat from, ModelFormat to, string input, ConversionOptions options, string sourceSha256) =>
        new("mgeconvert", ConverterVersion, $"{from.CommandName()}_to_{to.CommandName()}", Path.GetFileName(input), sourceSha256, OptionsOf(to, options));

    public static string Sha256Of(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>One line of JSON with a fixed key order.</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("converter", Converter);
            json.WriteString("version", Version);
            json.WriteString("conversion", Conversion);
            json.WriteString("source_file", SourceFile);
            json.WriteString("source_sha256", SourceSha256);
            json.WriteStartObject("options");
            foreach (var (key, value) in Options)
            {
                json.WriteString(key, value);
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static List<KeyValuePair<string, string>> OptionsOf(ModelFormat to, ConversionOptions o)
    {
        var list = new List<KeyValuePair<string, string>>();
        void Add(string key, object? value)
        {
            switch (value)
            {
                case null or false:
                    return;
                case IEnumerable<string> names:
                    list.Add(new(key, string.Join(';', names)));
                    break;
                case IEnumerable<float> floats:
                    list.Add(new(key, string.Join(',', floats.Select(f => f.ToString("R", CultureInfo.InvariantCulture)))));
                    break;
                case IEnumerable<long> longs:
                    list.Add(new(key, string.Join(',', longs.Select(v => v.ToString(CultureInfo.InvariantCulture)))));
                    break;
                case IFormattable f:
                    list.Add(new(key, f.ToString(null, CultureInfo.InvariantCulture)));
                    break;
                default:
                    list.Add(new(key, value.ToString() ?? ""));
                    break;
            }
        }

        if (to == ModelFormat.Onnx)
        {
            Add("opset", o.Opset);
        }

        Add("graph_name", o.GraphName);
        Add("end_point", o.EndPoints);
        Add("input_data_type", o.InputDataType);
        Add("input_scales", o.InputScales);
        Add("input_zero_points", o.InputZeroPoints);
        Add("require_quantize", o.RequireQuantize);
        Add("param_fake_quant", o.ParamFakeQuant);
        Add("fuse_bn", o.FuseBn);
        Add("keep_bn", o.KeepBatchNorm);
        Add("mtk", o.Mtk);
        Add("disable_nhwc", o.DisableNhwc);
        Add("prefer_same_pad_mode", o.PreferSamePadMode);
        Add("use_int64_bias", o.UseInt64Bias);
        Add("remove_relu", o.RemoveRelu);
        Add("use_empty_blobs", o.UseEmptyBlobs);
        Add("split_conv_relu", o.SplitConvRelu);
        if (to == ModelFormat.Caffe)
        {
            Add("convert_backend", o.ConvertBackend);
        }

        Add("optimize_for_inference", o.OptimizeForInference);
        Add("frozen_input_shape", o.FrozenInputShape);
        if (to == ModelFormat.Mge)
        {
            Add("mge_format", o.MgeFormat);
        }

        return list;
    }
}
