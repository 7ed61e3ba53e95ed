using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Reference.Kernels;

/// <summary>Softmax and LogSoftmax along one axis (max-subtracted, in double).</summary>
internal static class SoftmaxKernels
{
    public static void Register(KernelTable table)
    {
        table.Add<Softmax>((op, c) => Run(c, op.Axis, log: false));
        table.Add<LogSoftmax>((op, c) => Run(c, op.Axis, log: true));
    }

    private static Tensor[] Run(KernelContext context, long axisAttribute, bool log)
    {
        var x = context.Input(0);
        var dims = x.Shape.ToArray();
        var values = TensorValues.Reals(x);
        if (dims.Length == 0)
        {
            return [context.Reals(dims, [log ? 0 : 1])];
        }

        var (outer, length, inner) = Indexing.AroundAxis(dims, Indexing.Axis(axisAttribute, dims.Length));
        for (var o = 0; o < outer; o++)
        {
            for (var i = 0; i < inner; i++)
            {
                var start = (o * length * inner) + i;
                var max = double.NegativeInfinity;
                for (var j = 0; j < length; j++)
                {
                    max = Math.Max(max, values[start + (j * inner)]);
                }

                var sum = 0.0;
                for (var j = 0; j < length; j++)
                {
                    sum += Math.Exp(values[start + (j * inner)] - max);
                }

                for (var j = 0; j < length; j++)
                {
                    var shifted = values[start + (j * inner)] - max;
                    values[start + (j * inner)] = log ? shifted - Math.Log(sum) : Math.Exp(shifted) / sum;
                }
            }
        }

        return [context.Reals(dims, values)];
    }
}
