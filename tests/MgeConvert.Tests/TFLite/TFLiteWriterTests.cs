using MgeConvert.Reference;
using MgeConvert.Formats.TFLite;
using MgeConvert.Ir;
using Xunit.Abstractions;

namespace MgeConvert.Tests.TFLite;

/// <summary>
/// Converts hand-built IR graphs to TFLite and runs them in LiteRT.js; outputs must match a plain C#
/// reference within |Δ| ≤ atol + rtol·|ref|.
/// </summary>
public sealed class TFLiteWriterTests(ITestOutputHelper output)
{
    private static readonly Lazy<Dictionary<string, (TFLiteCase Case, TFLiteWriteReport Report, LiteRtResult Result)>> Results = new(RunAll);

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var c in TFLiteTestGraphs.All())
        {
            data.Add(c.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesReferenceInLiteRt(string name)
    {
        var (c, report, result) = Results.Value[name];
        Assert.True(result.Error is null, $"{name}: LiteRT.js failed: {result.Error}");
        var expected = Expected(c);
        Assert.Equal(c.Graph.Outputs.Count, result.Outputs.Count);
        double worst = 0;
        for (var i = 0; i < c.Graph.Outputs.Count; i++)
        {
            var reference = expected[c.Graph.Outputs[i]];
            var (_, shape, stored) = result.Outputs[i];
            var data = Dequantize(stored, c.Graph.Outputs[i].DType);
            Assert.Equal(reference.Shape, shape.Select(d => (long)d).ToArray());
            for (var j = 0; j < data.Length; j++)
            {
                var diff = Math.Abs(data[j] - reference.Data[j]);
                worst = Math.Max(worst, diff);
                Assert.True(diff <= c.Atol + (c.Rtol * Math.Abs(reference.Data[j])),
                    $"{name} output {i} element {j}: {data[j]:R}, expected {reference.Data[j]:R}");
            }
        }

        output.WriteLine($"{name}: {report.Operators} ops ({string.Join(", ", report.OperatorCounts.Select(kv => $"{kv.Key}×{kv.Value}"))}), " +
            $"transposes: {report.InterfaceTransposes} at I/O, {report.InternalTransposes} inside; max |Δ| {worst:G3}");
        if (c.IsCnn)
        {
            Assert.True(report.InternalTransposes == 0, $"{name}: {report.InternalTransposes} TRANSPOSE ops inside a CNN graph");
        }
    }

    /// <summary>The graph's outputs computed by the IR reference interpreter (real values).</summary>
    private static Dictionary<Value, Dense> Expected(TFLiteCase c)
    {
        var inputs = c.Inputs.ToDictionary(kv => kv.Key.Name, kv => Tensor.Create(DataType.Float64, new Shape(kv.Value.Shape), kv.Value.Data));
        var outputs = ReferenceInterpreter.Run(c.Graph, inputs);
        return c.Graph.Outputs.ToDictionary(v => v, v => new Dense(outputs[v.Name].Shape.ToArray(), [.. outputs[v.Name].Dequantize().Select(f => (double)f)]));
    }

    internal static string JsType(DataType t) => t.Element switch
    {
        ElementType.Float32 => "float32",
        ElementType.Int8 => "int8",
        ElementType.UInt8 => "uint8",
        ElementType.Int32 => "int32",
        _ => throw new NotSupportedException($"LiteRT.js cannot take {t} inputs"),
    };

    private static double[] Quantize(double[] real, DataType t) =>
        t.Quant is { } q ? [.. real.Select(v => Math.Round(v / q.Scale) + q.ZeroPoint)] : real;

    private static double[] Dequantize(double[] stored, DataType t) =>
        t.Quant is { } q ? [.. stored.Select(v => (v - q.ZeroPoint) * q.Scale)] : stored;

    private static Dictionary<string, (TFLiteCase, TFLiteWriteReport, LiteRtResult)> RunAll()
    {
        var dir = Directory.CreateTempSubdirectory("mgeconvert-tflite-");
        var cases = TFLiteTestGraphs.All().ToList();
        var runs = new List<LiteRtRun>();
        var reports = new List<TFLiteWriteReport>();
        foreach (var c in cases)
        {
            GraphValidator.Validate(c.Graph);
            var writer = new TFLiteWriter();
            var path = Path.Combine(dir.FullName, c.Name + ".tflite");
            var bytes = writer.Convert(c.Graph, new ConversionOptions { GraphName = c.Name }, path);
            File.WriteAllBytes(path, bytes);
            reports.Add(writer.LastReport!);
            runs.Add(new LiteRtRun(path, [.. c.Graph.Inputs.Select(v => (JsType(v.DType), v.Shape.ToIntArray(), Quantize(c.Inputs[v].Data, v.DType)))]));
        }

        var results = LiteRtOracle.Run(runs);
        return cases.Select((c, i) => (c, reports[i], results[i])).ToDictionary(t => t.c.Name, t => t);
    }
}
