using MgeConvert.Ir;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Tensor = MgeConvert.Ir.Tensor;

namespace MgeConvert.Cli.Verification;

/// <summary>Runs a written ONNX file in ONNX Runtime (graph optimizations off, so the file's own graph is evaluated).</summary>
internal static class OnnxRuntimeRunner
{
    /// <summary>
    /// Feeds <paramref name="inputs"/> (source inputs, in source order) to the model's inputs: by name, else by
    /// position. Returns the model's outputs in its own order.
    /// </summary>
    public static IReadOnlyList<(string Name, Tensor Value)> Run(string modelPath, IReadOnlyList<(string Name, Tensor Value)> inputs)
    {
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL,
        };
        using var session = new InferenceSession(modelPath, options);
        var names = session.InputNames;
        var values = new List<OrtValue>(names.Count);
        try
        {
            for (var i = 0; i < names.Count; i++)
            {
                var match = inputs.FirstOrDefault(x => x.Name == names[i]);
                var tensor = match.Value ?? (i < inputs.Count ? inputs[i].Value : throw new InvalidOperationException(
                    $"the ONNX model has an input '{names[i]}' that the source model does not have"));
                values.Add(ToOrt(tensor));
            }

            using var runOptions = new RunOptions();
            using var results = session.Run(runOptions, names, values, session.OutputNames);
            return [.. session.OutputNames.Select((name, i) => (name, FromOrt(results[i], name)))];
        }
        finally
        {
            foreach (var value in values)
            {
                value.Dispose();
            }
        }
    }

    private static OrtValue ToOrt(Tensor tensor)
    {
        var value = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, ToOrt(tensor.DType.Element), tensor.Shape.ToArray());
        tensor.Bytes.Span.CopyTo(value.GetTensorMutableRawData());
        return value;
    }

    private static Tensor FromOrt(OrtValue value, string name)
    {
        if (!value.IsTensor)
        {
            throw new NotSupportedException($"ONNX output {name} is not a tensor");
        }

        var info = value.GetTensorTypeAndShape();
        return new Tensor(new DataType(FromOrt(info.ElementDataType, name)), new Shape(info.Shape), value.GetTensorMutableRawData().ToArray());
    }

    private static TensorElementType ToOrt(ElementType element) => element switch
    {
        ElementType.Float32 => TensorElementType.Float,
        ElementType.Float16 => TensorElementType.Float16,
        ElementType.Float64 => TensorElementType.Double,
        ElementType.Int8 => TensorElementType.Int8,
        ElementType.UInt8 => TensorElementType.UInt8,
        ElementType.Int16 => TensorElementType.Int16,
        ElementType.UInt16 => TensorElementType.UInt16,
        ElementType.Int32 => TensorElementType.Int32,
        ElementType.UInt32 => TensorElementType.UInt32,
        ElementType.Int64 => TensorElementType.Int64,
        ElementType.UInt64 => TensorElementType.UInt64,
        ElementType.Bool => TensorElementType.Bool,
        _ => throw new ArgumentOutOfRangeException(nameof(element), element, null),
    };

    private static ElementType FromOrt(TensorElementType type, string name) => type switch
    {
        TensorElementType.Float => ElementType.Float32,
        TensorElementType.Float16 => ElementType.Float16,
        TensorElementType.Double => ElementType.Float64,
        TensorElementType.Int8 => ElementType.Int8,
        TensorElementType.UInt8 => ElementType.UInt8,
        TensorElementType.Int16 => ElementType.Int16,
        TensorElementType.UInt16 => ElementType.UInt16,
        TensorElementType.Int32 => ElementType.Int32,
        TensorElementType.UInt32 => ElementType.UInt32,
        TensorElementType.Int64 => ElementType.Int64,
        TensorElementType.UInt64 => ElementType.UInt64,
        TensorElementType.Bool => ElementType.Bool,
        _ => throw new NotSupportedException($"ONNX output {name} has element type {type}"),
    };
}
