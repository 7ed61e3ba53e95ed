using MgeConvert.Ir;
using MgeConvert.Reference;

namespace MgeConvert.Tests.Support;

/// <summary>Runs one op through the reference interpreter, its operands fed as graph inputs.</summary>
public static class OpRunner
{
    public static Tensor[] RunAll(Op op, params Tensor?[] inputs) => RunAll(op, null, inputs);

    /// <summary>Runs <paramref name="op"/>; <paramref name="outputType"/> overrides the first output's data type (quantized outputs).</summary>
    public static Tensor[] RunAll(Op op, DataType? outputType, params Tensor?[] inputs)
    {
        var builder = new GraphBuilder("op");
        var values = inputs.Select((t, i) => t is null ? null : builder.Input($"in{i}", t.DType, t.Shape)).ToArray();
        var outputs = builder.ApplyMulti(op, values);
        if (outputType is not null)
        {
            outputs[0].Type = new TensorType(outputType, outputs[0].Shape);
        }

        foreach (var o in outputs)
        {
            builder.Output(o);
        }

        var feeds = new Dictionary<string, Tensor>();
        for (var i = 0; i < inputs.Length; i++)
        {
            if (inputs[i] is { } t)
            {
                feeds[values[i]!.Name] = t;
            }
        }

        var results = ReferenceInterpreter.Run(builder.Graph, feeds);
        return [.. outputs.Select(o => results[o.Name])];
    }

    public static Tensor Run(Op op, params Tensor?[] inputs) => RunAll(op, inputs)[0];

    public static Tensor F(long[] dims, params float[] values) => Tensor.FromFloats(new Shape(dims), values);

    public static Tensor F(params float[] values) => Tensor.FromFloats(new Shape(values.Length), values);

    public static Tensor I64(long[] dims, params long[] values) => Tensor.FromInt64s(new Shape(dims), values);

    /// <summary>Asserts shape and values (|Δ| ≤ 1e-6 + 1e-6·|expected|).</summary>
    public static void AssertTensor(Tensor actual, long[] dims, params double[] expected)
    {
        Assert.Equal(new Shape(dims), actual.Shape);
        AssertValues(actual, expected);
    }

    public static void AssertValues(Tensor actual, params double[] expected)
    {
        var values = TensorValues.Reals(actual);
        Assert.Equal(expected.Length, values.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            var tolerance = 1e-6 + (1e-6 * Math.Abs(expected[i]));
            Assert.True(Math.Abs(values[i] - expected[i]) <= tolerance || (double.IsNaN(expected[i]) && double.IsNaN(values[i])),
                $"element {i}: got {values[i]:R}, expected {expected[i]:R} (all: [{string.Join(", ", values)}])");
        }
    }
}
