using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Reference.Kernels;

/// <summary>Batch (inference), instance and layer normalization; statistics in double.</summary>
internal static class NormalizationKernels
{
    public static void Register(KernelTable table)
    {
        table.Add<BatchNorm>(BatchNorm);
        table.Add<InstanceNorm>(InstanceNorm);
        table.Add<LayerNorm>(LayerNorm);
    }

    private static Tensor[] BatchNorm(BatchNorm op, KernelContext context)
    {
        var x = context.Input(0);
        var dims = x.Shape.ToArray();
        var values = TensorValues.Reals(x);
        var scale = TensorValues.Reals(context.Input(1));
        var bias = TensorValues.Reals(context.Input(2));
        var mean = TensorValues.Reals(context.Input(3));
        var variance = TensorValues.Reals(context.Input(4));
        var (_, channels, inner) = Indexing.AroundAxis(dims, 1);
        for (var i = 0; i < values.Length; i++)
        {
            var c = i / inner % channels;
            values[i] = ((values[i] - mean[c]) / Math.Sqrt((float)(variance[c] + op.Epsilon)) * scale[c]) + bias[c];
        }

        return [context.Reals(dims, values)];
    }

    private static Tensor[] InstanceNorm(InstanceNorm op, KernelContext context)
    {
        var x = context.Input(0);
        var dims = x.Shape.ToArray();
        var values = TensorValues.Reals(x);
        var scale = TensorValues.Reals(context.Input(1));
        var bias = TensorValues.Reals(context.Input(2));
        var channels = (int)dims[1];
        var plane = values.Length / Math.Max(1, (int)(dims[0] * dims[1]));
        for (var start = 0; start < values.Length; start += plane)
        {
            var c = start / plane % channels;
            Normalize(values.AsSpan(start, plane), op.Epsilon, i => scale[c], i => bias[c]);
        }

        return [context.Reals(dims, values)];
    }

    private static Tensor[] LayerNorm(LayerNorm op, KernelContext context)
    {
        var x = context.Input(0);
        var dims = x.Shape.ToArray();
        var axis = Indexing.Axis(op.Axis, dims.Length);
        var values = TensorValues.Reals(x);
        var normalized = Indexing.Count(dims[axis..]);
        var scale = context.Optional(1) is { } s ? Broadcast(s, dims[axis..]) : null;
        var bias = context.Optional(2) is { } b ? Broadcast(b, dims[axis..]) : null;
        for (var start = 0; start < values.Length; start += Math.Max(1, normalized))
        {
            Normalize(values.AsSpan(start, normalized), op.Epsilon, i => scale?[i] ?? 1, i => bias?[i] ?? 0);
        }

        return [context.Reals(dims, values)];
    }

    private static double[] Broadcast(Tensor t, long[] dims)
    {
        var values = TensorValues.Reals(t);
        return Array.ConvertAll(Indexing.BroadcastSource(t.Shape.ToArray(), dims), i => values[i]);
    }

    private static void Normalize(Span<double> values, float epsilon, Func<int, double> scale, Func<int, double> bias)
    {
        if (values.Length == 0)
        {
            return;
        }

        var mean = 0.0;
        foreach (var v in values)
        {
            mean += v;
        }

        mean /= values.Length;
        var variance = 0.0;
        foreach (var v in values)
        {
            variance += (v - mean) * (v - mean);
        }

        variance /= values.Length;
        var invStd = 1 / Math.Sqrt(variance + epsilon);
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = ((values[i] - mean) * invStd * scale(i)) + bias(i);
        }
    }
}
