using MgeConvert.Ir;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Tensor = MgeConvert.Ir.Tensor;

namespace MgeConvert.Tests.Onnx;

/// <summary>Runs an ONNX model in ONNX Runtime on IR tensors (graph optimizations off, so the file's own graph is evaluated).</summary>
internal static class OrtRunner
{
    public static Dictionary<string, Tensor> Run(byte[] model, IReadOnlyDictionary<string, Tensor> inputs, IReadOnlyList<string> outputNames)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL, LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL };
        using var session = new InferenceSession(model, options);
        var names = inputs.Keys.Where(session.InputMetadata.ContainsKey).ToList();
        var values = names.Select(n => ToOrt(inputs[n])).ToList();
        try
        {
            using var runOptions = new RunOptions();
            using var results = session.Run(runOptions, names, values, outputNames);
            var outputs = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            for (var i = 0; i < outputNames.Count; i++)
            {
                outputs[outputNames[i]] = FromOrt(results[i], outputNames[i]);
            }

            return outputs;
        }
        finally
        {
            foreach (var v in values)
            {
                v.Dispose();
            }
        }
    }

    private static OrtValue ToOrt(Tensor tensor)
    {
        var type = (TensorElementType)Formats.Onnx.OnnxTensors.ToOnnx(tensor.DType.Element);
        var value = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, type, tensor.Shape.ToArray());
        tensor.Bytes.Span.CopyTo(value.GetTensorMutableRawData());
        return value;
    }

    private static Tensor FromOrt(OrtValue value, string name)
    {
        if (!value.IsTensor)
        {
            throw new NotSupportedException($"output {name} is not a tensor");
        }

        var info = value.GetTensorTypeAndShape();
        var element = Formats.Onnx.OnnxTensors.ToElement((int)info.ElementDataType)
            ?? throw new NotSupportedException($"output {name} has element type {info.ElementDataType}");
        return new Tensor(new DataType(element), new Shape(info.Shape), value.GetTensorMutableRawData().ToArray());
    }
}
