using MgeConvert.Formats;
using MgeConvert.Formats.Onnx;
using MgeConvert.Formats.TracedModule;
using MgeConvert.Ir;
using MgeConvert.Tests.Onnx;

namespace MgeConvert.Tests.TracedModule;

/// <summary>A written .tm read back by our reader, exported with our ONNX writer and run in ONNX Runtime.</summary>
internal static class TmWriterRoundTrip
{
    public enum Verdict
    {
        Passed,
        Unsupported,
        Mismatched,
    }

    /// <summary>Converts <paramref name="model"/> to .tm through the public Converter (passes included); returns the file's bytes.</summary>
    public static byte[] Convert(ModelFormat from, string model, string tmPath)
    {
        new Converter().Convert(from, ModelFormat.TracedModule, model, new ConversionOptions { Output = tmPath });
        return File.ReadAllBytes(tmPath);
    }

    public static Graph ReadBack(byte[] tm, string path) => new TracedModuleReader().Read(tm, path, new ConversionOptions()).Graph;

    /// <summary>
    /// Runs the read-back graph in ONNX Runtime on <paramref name="inputs"/> (by position), converted to the graph's
    /// input types where the .tm stores a narrower one (int64 → int32, float64 → float32); outputs in graph order.
    /// </summary>
    public static List<Tensor> Run(Graph graph, IReadOnlyList<Tensor> inputs)
    {
        Assert.Equal(graph.Inputs.Count, inputs.Count);
        var onnx = OnnxWriter.Serialize(graph, new ConversionOptions { Opset = 13 });
        var feeds = graph.Inputs.Zip(inputs).ToDictionary(p => p.First.Name, p => As(p.Second, p.First.DType.Element), StringComparer.Ordinal);
        var names = graph.Outputs.Select(o => o.Name).ToList();
        var results = OrtRunner.Run(onnx, feeds, names);
        return [.. names.Select(n => results[n])];
    }

    /// <summary>The first output that differs by more than atol + rtol·|ref|, or null.</summary>
    public static string? Compare(IReadOnlyList<Tensor> expected, IReadOnlyList<Tensor> actual, double atol = 1e-5, double rtol = 1e-5)
    {
        if (expected.Count != actual.Count)
        {
            return $"{actual.Count} outputs, expected {expected.Count}";
        }

        for (var i = 0; i < expected.Count; i++)
        {
            if (expected[i].ElementCount != actual[i].ElementCount)
            {
                return $"output {i}: {actual[i].Shape}, expected {expected[i].Shape}";
            }

            var e = expected[i].ToDoubles();
            var a = actual[i].ToDoubles();
            for (var k = 0; k < e.Length; k++)
            {
                var equalNaN = double.IsNaN(e[k]) && double.IsNaN(a[k]);
                if (!equalNaN && !(Math.Abs(a[k] - e[k]) <= atol + (rtol * Math.Abs(e[k]))) && !(double.IsInfinity(e[k]) && e[k] == a[k]))
                {
                    return $"output {i}[{k}] = {a[k]:R}, expected {e[k]:R}";
                }
            }
        }

        return null;
    }

    private static Tensor As(Tensor t, ElementType type)
    {
        if (t.DType.Element == type)
        {
            return t;
        }

        var values = t.ToDoubles();
        return type switch
        {
            ElementType.Int32 => Tensor.FromInt32s(t.Shape, [.. values.Select(v => (int)v)]),
            ElementType.Float32 => Tensor.FromFloats(t.Shape, [.. values.Select(v => (float)v)]),
            _ => throw new InvalidOperationException($"cannot feed {t.DType} as {type}"),
        };
    }
}
