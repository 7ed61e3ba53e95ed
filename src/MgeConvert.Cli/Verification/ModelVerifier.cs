using MgeConvert.Formats;
using MgeConvert.Ir;
using MgeConvert.Passes;
using MgeConvert.Quantization;
using MgeConvert.Reference;

namespace MgeConvert.Cli.Verification;

/// <summary>
/// Runs the source model (reference interpreter on the graph as read) and the converted one on the same inputs
/// and compares every output: ONNX outputs in ONNX Runtime, other targets through the graph the writer received.
/// </summary>
public static class ModelVerifier
{
    public const string NoOnnxRuntimeNote =
        "ONNX Runtime's native library could not be loaded; checked the written graph with the reference interpreter";

    public const string NoRuntimeNote = "target runtime not available in-process; checked the written graph with the reference interpreter";

    public static VerificationResult Verify(Converter converter, ModelFormat from, string input, ConversionOptions options, ConversionResult result, VerifySettings settings)
    {
        var source = converter.Read(input, from, options).Graph;
        string? quantNote = null;
        if (PassPipeline.MaterializesFakeQuant(result.To, options) && QuantAnnotations.HasAny(source))
        {
            new MaterializeFakeQuant().Run(source, new PassContext());
            quantNote = "QAT model: the source runs with its fake quantization, as the written model does";
        }

        var inputs = VerifyInputs.For(source, settings);
        var expected = ReferenceInterpreter.Run(source, inputs);
        var expectedOutputs = source.Outputs.Select(o => (o.Name, expected[o.Name])).ToList();
        var inputsFrom = settings.InputFiles.Count > 0 ? string.Join(", ", settings.InputFiles) : $"random (seed {settings.Seed})";

        IReadOnlyList<(string Name, Tensor Value)> actual;
        string checker;
        string? note = null;
        var runtime = result.To == ModelFormat.Onnx ? TryOnnxRuntime(result.Outputs[0].Path, source, inputs) : null;
        if (runtime is not null)
        {
            checker = "ONNX Runtime";
            actual = runtime;
        }
        else
        {
            var written = result.WrittenGraph ?? throw new InvalidOperationException("the conversion did not keep the written graph");
            checker = "reference interpreter";
            note = result.To == ModelFormat.Onnx ? NoOnnxRuntimeNote : NoRuntimeNote;
            var values = ReferenceInterpreter.Run(written, Rebind(written, source, inputs));
            actual = [.. written.Outputs.Select(o => (o.Name, values[o.Name]))];
        }

        var errors = new List<OutputError>();
        for (var i = 0; i < expectedOutputs.Count; i++)
        {
            var (name, reference) = expectedOutputs[i];
            errors.Add(i < actual.Count
                ? Compare(name, reference, actual[i].Value, settings)
                : new OutputError(name, reference.Shape.ToString(), double.PositiveInfinity, double.PositiveInfinity, false, "missing in the converted model"));
        }

        note = string.Join("; ", new[] { note, quantNote }.OfType<string>());
        return new VerificationResult(checker, note.Length == 0 ? null : note, inputsFrom, settings.Atol, settings.Rtol, errors);
    }

    /// <summary>Null when the ONNX Runtime native library cannot be loaded (e.g. a native binary shipped without it).</summary>
    private static IReadOnlyList<(string Name, Tensor Value)>? TryOnnxRuntime(string path, Graph source, Dictionary<string, Tensor> inputs)
    {
        try
        {
            return OnnxRuntimeRunner.Run(path, [.. source.Inputs.Select(i => (i.Name, inputs[i.Name]))]);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException
            || e is TypeInitializationException { InnerException: DllNotFoundException or EntryPointNotFoundException })
        {
            return null;
        }
        catch (Microsoft.ML.OnnxRuntime.OnnxRuntimeException e)
        {
            throw new ModelFormatException(path, "--verify: ONNX Runtime could not run the written model: " + e.Message, inner: e);
        }
    }

    /// <summary>The written graph's inputs by name, else by position (passes may rename nothing, writers may).</summary>
    private static Dictionary<string, Tensor> Rebind(Graph written, Graph source, Dictionary<string, Tensor> inputs)
    {
        var bound = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        for (var i = 0; i < written.Inputs.Count; i++)
        {
            var name = written.Inputs[i].Name;
            bound[name] = inputs.TryGetValue(name, out var t) ? t : inputs[source.Inputs[i].Name];
        }

        return bound;
    }

    public static OutputError Compare(string name, Tensor expected, Tensor actual, VerifySettings settings)
    {
        if (expected.ElementCount != actual.ElementCount)
        {
            return new OutputError(name, expected.Shape.ToString(), double.PositiveInfinity, double.PositiveInfinity, false,
                $"shape {actual.Shape} differs from the source's {expected.Shape}");
        }

        // A runtime returns the stored integers of a quantized output; read them with the source's parameters.
        if (expected.DType.Quant is not null && actual.DType.Quant is null && actual.DType.Element == expected.DType.Element)
        {
            actual = new Tensor(expected.DType, actual.Shape, actual.Bytes);
        }

        var e = TensorValues.Reals(expected);
        var a = TensorValues.Reals(actual);
        double maxAbs = 0, maxRel = 0;
        var within = true;
        for (var i = 0; i < e.Length; i++)
        {
            if (double.IsNaN(e[i]) && double.IsNaN(a[i]))
            {
                continue;
            }

            var diff = e[i] == a[i] ? 0 : Math.Abs(e[i] - a[i]);
            if (double.IsNaN(diff))
            {
                diff = double.PositiveInfinity;
            }

            maxAbs = Math.Max(maxAbs, diff);
            if (Math.Abs(e[i]) > settings.Atol)
            {
                maxRel = Math.Max(maxRel, diff / Math.Abs(e[i]));
            }

            within &= diff <= settings.Atol + (settings.Rtol * Math.Abs(e[i]));
        }

        return new OutputError(name, expected.Shape.ToString(), maxAbs, maxRel, within);
    }
}
