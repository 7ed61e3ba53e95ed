using MgeConvert.Formats;
using MgeConvert.Formats.Onnx;
using MgeConvert.Formats.TracedModule;
using MgeConvert.Ir;
using MgeConvert.Passes;
using MgeConvert.Quantization;
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
    /// A QAT read-back runs with its fake quantization made explicit (quantize/dequantize pairs, as
    /// --require_quantize exports it); raw quantized integers fed to a quantized input are dequantized first.
    /// </summary>
    public static List<Tensor> Run(Graph graph, IReadOnlyList<Tensor> inputs)
    {
        Assert.Equal(graph.Inputs.Count, inputs.Count);
        var inputQuant = graph.Inputs.Select(QuantAnnotations.Get).ToList();
        if (QuantAnnotations.HasAny(graph))
        {
            new MaterializeFakeQuant().Run(graph, new PassContext());
        }

        var onnx = OnnxWriter.Serialize(graph, new ConversionOptions { Opset = 13 });
        var feeds = graph.Inputs.Select((input, i) => (input, data: Dequantized(inputs[i], input.DType.Element, inputQuant[i])))
            .ToDictionary(p => p.input.Name, p => As(p.data, p.input.DType.Element), StringComparer.Ordinal);
        var names = graph.Outputs.Select(o => o.Name).ToList();
        var results = OrtRunner.Run(onnx, feeds, names);
        return [.. names.Select(n => results[n])];
    }

    /// <summary>The first output that differs by more than atol + rtol·|ref|, or null.</summary>
    public static string? Compare(IReadOnlyList<Tensor> expected, IReadOnlyList<Tensor> actual, double atol = 1e-5, double rtol = 1e-5) =>
        Compare(expected, actual, [.. expected.Select(_ => (atol, rtol))]);

    /// <summary>The first output that differs by more than its own atol + rtol·|ref|, or null.</summary>
    public static string? Compare(IReadOnlyList<Tensor> expected, IReadOnlyList<Tensor> actual, IReadOnlyList<(double Atol, double Rtol)> tolerances)
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

            var (atol, rtol) = tolerances[i];
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

    /// <summary>
    /// Outputs of the read-back graph as the source graph types them: where the source returns raw quantized
    /// integers, the read-back's fake-quantized floats are quantized with the same parameters.
    /// </summary>
    public static List<Tensor> AsSourceOutputs(Graph source, IReadOnlyList<Tensor> actual) =>
        [.. actual.Select((t, i) => source.Outputs[i].DType.Quant is { IsPerTensor: true } q && t.DType.IsFloat
            ? Tensor.FromFloats(t.Shape, [.. t.ToFloats().Select(v => MathF.Round(v / q.Scale) + q.ZeroPoint)])
            : t)];

    /// <summary>
    /// Per source output: one quantization step for quantized outputs (raw integers: 1; floats dequantized from a
    /// quantized value: its scale), else the default 1e-5/1e-5.
    /// </summary>
    public static List<(double Atol, double Rtol)> Tolerances(Graph source) =>
        [.. source.Outputs.Select(o => o.DType.IsQuantized ? (1.0, 0.0)
            : o.Producer is { Op: MgeConvert.Ir.Ops.Cast } cast && cast.Input(0).DType.Quant is { IsPerTensor: true } q ? (q.Scale * 1.0001, 0.0)
            : (1e-5, 1e-5))];

    private static Tensor Dequantized(Tensor t, ElementType type, QuantInfo? quant) =>
        quant is not null && type.IsFloat() && !t.DType.Element.IsFloat()
            ? Tensor.FromFloats(t.Shape, [.. t.ToDoubles().Select(v => (float)((v - (quant.ZeroPoints?[0] ?? 0)) * quant.Scale))])
            : t;

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
