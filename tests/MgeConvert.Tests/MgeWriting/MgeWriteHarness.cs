using MgeConvert.Formats;
using MgeConvert.Formats.Mge;
using MgeConvert.Formats.Onnx;
using MgeConvert.Ir;
using MgeConvert.Tests.Onnx;

namespace MgeConvert.Tests.MgeWriting;

/// <summary>Write → read back → ONNX → ONNX Runtime: the round trip every writer test runs.</summary>
internal static class MgeWriteHarness
{
    public static readonly string[] Containers = ["mgv2", "MGBC", "MGBS"];

    /// <summary>Converts <paramref name="input"/> to .mge through the public Converter (passes included) and reads the file back.</summary>
    public static (byte[] Bytes, Graph ReadBack) Write(ModelFormat from, string input, string output, string container)
    {
        var options = new ConversionOptions { Output = output, MgeFormat = container };
        new Converter().Convert(from, ModelFormat.Mge, input, options);
        var bytes = File.ReadAllBytes(output);
        var graph = new MgeReader().Read(output, bytes, new ConversionOptions()).Graph;
        return (bytes, graph);
    }

    /// <summary>Runs a graph's ONNX export; inputs are matched by name and cast to the graph's input types (int64 → int32).</summary>
    public static List<Tensor> RunInOrt(Graph graph, IReadOnlyDictionary<string, Tensor> inputs)
    {
        var onnx = OnnxWriter.Serialize(graph, new ConversionOptions { Opset = 13 });
        var positional = inputs.Values.ToList();
        var fed = graph.Inputs.Select((v, k) => (v, Data: inputs.TryGetValue(v.Name, out var t) ? t : positional[k]))
            .ToDictionary(p => p.v.Name, p => CastTo(p.Data, p.v.DType), StringComparer.Ordinal);
        var names = graph.Outputs.Select(o => o.Name).ToList();
        var results = OrtRunner.Run(onnx, fed, names);
        return [.. names.Select(n => results[n])];
    }

    public static Tensor CastTo(Tensor t, DataType dtype)
    {
        if (t.DType == dtype)
        {
            return t;
        }

        return dtype.Element switch
        {
            ElementType.Int32 => Tensor.FromInt32s(t.Shape, [.. t.ToInt64s().Select(v => (int)v)]),
            ElementType.Float32 => Tensor.FromFloats(t.Shape, t.ToFloats()),
            _ => t,
        };
    }

    /// <summary>|Δ| ≤ 1e-5 + 1e-5·|ref| elementwise (shapes may differ only by MegEngine's missing 0-d tensors).</summary>
    public static string? Mismatch(IReadOnlyList<Tensor> expected, IReadOnlyList<Tensor> actual)
    {
        if (expected.Count != actual.Count)
        {
            return $"{actual.Count} outputs, expected {expected.Count}";
        }

        for (var i = 0; i < expected.Count; i++)
        {
            if (expected[i].ElementCount != actual[i].ElementCount)
            {
                return $"output {i}: shape {actual[i].Shape}, expected {expected[i].Shape}";
            }

            var e = expected[i].ToDoubles();
            var a = actual[i].ToDoubles();
            for (var k = 0; k < e.Length; k++)
            {
                if (!(Math.Abs(a[k] - e[k]) <= 1e-5 + (1e-5 * Math.Abs(e[k]))) && !(double.IsNaN(a[k]) && double.IsNaN(e[k])))
                {
                    return $"output {i}[{k}] = {a[k]:R}, expected {e[k]:R}";
                }
            }
        }

        return null;
    }
}
