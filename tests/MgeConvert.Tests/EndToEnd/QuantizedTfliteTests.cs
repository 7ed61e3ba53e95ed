using Google.FlatBuffers;
using MgeConvert.Formats;
using MgeConvert.Formats.TFLite;
using MgeConvert.Formats.TFLite.Schema;
using MgeConvert.Ir;
using MgeConvert.IO;
using MgeConvert.Passes;
using MgeConvert.Tests.Support;
using MgeConvert.Tests.TFLite;
using Xunit.Abstractions;
using Tensor = MgeConvert.Ir.Tensor;
using TensorType = MgeConvert.Formats.TFLite.Schema.TensorType;

namespace MgeConvert.Tests.EndToEnd;

/// <summary>
/// tracedmodule_to_tflite --require_quantize on every QAT fixture: the written model computes on int8/uint8
/// activations with int32 biases, floats only where the graph's inputs and outputs are converted, and LiteRT's
/// integer kernels land within one output quantization step of MegEngine's QAT outputs.
/// </summary>
public class QuantizedTfliteTests(ITestOutputHelper output)
{
    private const int QatFixtures = 7;

    /// <summary>Operators that only convert between float and integer or move the interface tensors.</summary>
    private static readonly HashSet<BuiltinOperator> InterfaceOps =
        [BuiltinOperator.QUANTIZE, BuiltinOperator.DEQUANTIZE, BuiltinOperator.TRANSPOSE, BuiltinOperator.RESHAPE];

    private const int QuantizedMgeFixtures = 21;

    [Fact]
    public void EveryQatFixtureRunsOnIntegersInLiteRtWithinOneOutputStep() => RunAll(
        "tracedmodule_to_tflite --require_quantize", c => c.Kind == "tm" && c.Precision == "qat", ModelFormat.TracedModule,
        path => new ConversionOptions { Output = path, RequireQuantize = true }, QatFixtures);

    [Fact]
    public void EveryQuantizedMgeFixtureRunsOnIntegersInLiteRtWithinOneOutputStep() => RunAll(
        "mge_to_tflite (int8 .mge)", c => c.Kind == "mge" && c.Precision == "quantized", ModelFormat.Mge,
        path => new ConversionOptions { Output = path }, QuantizedMgeFixtures);

    private void RunAll(string title, Func<FixtureCase, bool> select, ModelFormat from, Func<string, ConversionOptions> optionsFor, int expected)
    {
        using var temp = new Cli.TempDirectory();
        var unsupported = new List<string>();
        var mismatched = new List<string>();
        var converted = new List<(FixtureCase Fixture, Graph Graph, LiteRtRun Run)>();
        foreach (var fixture in FixtureCorpus.Cases(c => c.ExpectOk && select(c)))
        {
            var options = optionsFor(temp.File(fixture.Id.Replace('/', '_') + ".tflite"));
            var graph = new Converter().Read(fixture.ModelPath, from, options).Graph;
            var sourceInputs = graph.Inputs.Select(v => v.DType).ToList();
            try
            {
                PassPipeline.Standard(ModelFormat.TFLite, options).Run(graph);
                var writer = new TFLiteWriter();
                var file = writer.Prepare(graph, options).Single();
                AtomicFile.Write(file.Path, file.WriteTo);
                var problems = IntegerProblems(File.ReadAllBytes(file.Path));
                if (writer.LastReport!.InternalTransposes != 0)
                {
                    problems.Add($"{writer.LastReport.InternalTransposes} TRANSPOSE between ops");
                }

                if (problems.Count > 0)
                {
                    mismatched.Add($"{fixture.Id}: {string.Join("; ", problems)}");
                    continue;
                }

                output.WriteLine($"{fixture.Id}: {string.Join(" ", writer.LastNotes)}");
                var inputs = graph.Inputs.Select((v, k) => (TFLiteWriterTests.JsType(v.DType), v.Shape.ToIntArray(),
                    sourceInputs[k].IsQuantized ? fixture.Inputs[k].Data.ToDoubles() : Quantize(fixture.Inputs[k].Data.ToDoubles(), v.DType))).ToList();
                converted.Add((fixture, graph, new LiteRtRun(file.Path, inputs)));
            }
            catch (UnsupportedOpsException e)
            {
                unsupported.Add($"{fixture.Id}: {string.Join(", ", e.Ops.Select(o => $"{o.OpType} ({o.Reason})").Distinct())}");
            }
        }

        var passed = LiteRtFixtureRuns.RunAndCompare(converted, mismatched);

        output.WriteLine($"{title}: {passed} passed, {unsupported.Count} unsupported, {mismatched.Count} mismatched");
        unsupported.ForEach(u => output.WriteLine("unsupported " + u));
        mismatched.ForEach(m => output.WriteLine("mismatched " + m));
        Assert.True(unsupported.Count == 0 && mismatched.Count == 0, string.Join(Environment.NewLine, unsupported.Concat(mismatched)));
        Assert.Equal(expected, passed);
    }

    /// <summary>What keeps a written model from being an integer model: float tensors inside, float biases or weights.</summary>
    internal static List<string> IntegerProblems(byte[] model, bool allowInt64Bias = false)
    {
        var problems = new List<string>();
        var m = Model.GetRootAsModel(new ByteBuffer(model));
        var g = m.Subgraphs(0)!.Value;
        var computeOps = 0;
        for (var i = 0; i < g.OperatorsLength; i++)
        {
            var op = g.Operators(i)!.Value;
            var code = m.OperatorCodes((int)op.OpcodeIndex)!.Value.BuiltinCode;
            if (InterfaceOps.Contains(code))
            {
                continue;
            }

            computeOps++;
            var tensors = Enumerable.Range(0, op.InputsLength).Select(k => op.Inputs(k)).Concat(Enumerable.Range(0, op.OutputsLength).Select(k => op.Outputs(k)))
                .Where(t => t >= 0).Select(t => g.Tensors(t)!.Value);
            foreach (var t in tensors)
            {
                if (t.Type is TensorType.FLOAT32 or TensorType.FLOAT16)
                {
                    problems.Add($"{code} uses float tensor {t.Name}");
                }
                else if (t.Type is TensorType.INT8 or TensorType.UINT8 or TensorType.INT16 && t.Quantization is not { ScaleLength: > 0 })
                {
                    problems.Add($"{code} tensor {t.Name} has no quantization");
                }
            }

            if (code is BuiltinOperator.CONV_2D or BuiltinOperator.DEPTHWISE_CONV_2D or BuiltinOperator.FULLY_CONNECTED
                && op.InputsLength > 2 && op.Inputs(2) >= 0
                && g.Tensors(op.Inputs(2))!.Value.Type is not TensorType.INT32 && !(allowInt64Bias && g.Tensors(op.Inputs(2))!.Value.Type == TensorType.INT64))
            {
                problems.Add($"{code} bias is {g.Tensors(op.Inputs(2))!.Value.Type}");
            }
        }

        if (computeOps == 0)
        {
            problems.Add("no integer operator");
        }

        return problems;
    }

    private static double[] Quantize(double[] real, DataType t) =>
        t.Quant is { } q ? [.. real.Select(v => Math.Clamp(Math.Round(v / q.Scale, MidpointRounding.AwayFromZero) + q.ZeroPoint, Min(t), Max(t)))] : real;

    private static double Min(DataType t) => t.Element == ElementType.UInt8 ? 0 : -128;

    private static double Max(DataType t) => t.Element == ElementType.UInt8 ? 255 : 127;
}
