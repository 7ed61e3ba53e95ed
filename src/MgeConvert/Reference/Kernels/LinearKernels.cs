using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Reference.Kernels;

/// <summary>Numpy MatMul (batched, broadcast, 1-D promotion) and Gemm; products accumulated in double.</summary>
internal static class LinearKernels
{
    public static void Register(KernelTable table)
    {
        table.Add<MatMul>(MatMul);
        table.Add<Gemm>(Gemm);
    }

    private static Tensor[] MatMul(MatMul op, KernelContext context)
    {
        var a = context.Input(0);
        var b = context.Input(1);
        var aDims = a.Shape.ToArray();
        var bDims = b.Shape.ToArray();
        var a2 = aDims.Length == 1 ? [1, aDims[0]] : aDims;
        var b2 = bDims.Length == 1 ? [bDims[0], 1] : bDims;
        var (m, k) = (a2[^2], a2[^1]);
        var n = b2[^1];
        if (b2[^2] != k)
        {
            throw new IrException($"node {context.NodeName}: inner dimensions differ: {a.Shape} x {b.Shape}");
        }

        var batch = Indexing.Broadcast(a2[..^2], b2[..^2]);
        var aBatch = Indexing.BroadcastSource(a2[..^2], batch);
        var bBatch = Indexing.BroadcastSource(b2[..^2], batch);
        var av = TensorValues.Reals(a);
        var bv = TensorValues.Reals(b);
        var result = new double[aBatch.Length * m * n];
        for (var p = 0; p < aBatch.Length; p++)
        {
            Multiply(av, aBatch[p] * m * k, false, bv, bBatch[p] * k * n, false, result, p * m * n, m, k, n);
        }

        var dims = batch.ToList();
        if (aDims.Length > 1)
        {
            dims.Add(m);
        }

        if (bDims.Length > 1)
        {
            dims.Add(n);
        }

        return [Finish(context, [.. dims], result, FusedActivation.None)];
    }

    private static Tensor[] Gemm(Gemm op, KernelContext context)
    {
        var a = context.Input(0);
        var b = context.Input(1);
        var m = op.TransA ? a.Shape[1] : a.Shape[0];
        var k = op.TransA ? a.Shape[0] : a.Shape[1];
        var n = op.TransB ? b.Shape[0] : b.Shape[1];
        if ((op.TransB ? b.Shape[1] : b.Shape[0]) != k)
        {
            throw new IrException($"node {context.NodeName}: inner dimensions differ: {a.Shape} x {b.Shape}");
        }

        var result = new double[m * n];
        Multiply(TensorValues.Reals(a), 0, op.TransA, TensorValues.Reals(b), 0, op.TransB, result, 0, m, k, n);
        for (var i = 0; i < result.Length; i++)
        {
            result[i] *= op.Alpha;
        }

        if (context.Optional(2) is { } c)
        {
            var cv = TensorValues.Reals(c);
            var source = Indexing.BroadcastSource(c.Shape.ToArray(), [m, n]);
            for (var i = 0; i < result.Length; i++)
            {
                result[i] += op.Beta * cv[source[i]];
            }
        }

        return [Finish(context, [m, n], result, op.Activation)];
    }

    /// <summary>result[r, c] = Σ a[r, i]·b[i, c] over (m×k)·(k×n) blocks at the given offsets, optionally transposed.</summary>
    private static void Multiply(double[] a, long aOffset, bool transA, double[] b, long bOffset, bool transB,
        double[] result, long offset, long m, long k, long n)
    {
        for (var r = 0L; r < m; r++)
        {
            var row = result.AsSpan((int)(offset + (r * n)), (int)n);
            for (var i = 0L; i < k; i++)
            {
                var av = a[aOffset + (transA ? (i * m) + r : (r * k) + i)];
                if (transB)
                {
                    for (var c = 0; c < n; c++)
                    {
                        row[c] += av * b[bOffset + (c * k) + i];
                    }
                }
                else
                {
                    var bRow = b.AsSpan((int)(bOffset + (i * n)), (int)n);
                    for (var c = 0; c < bRow.Length; c++)
                    {
                        row[c] += av * bRow[c];
                    }
                }
            }
        }
    }

    private static Tensor Finish(KernelContext context, long[] dims, double[] result, FusedActivation activation)
    {
        if (TensorValues.IsIntegral(context.OutputType()))
        {
            return TensorValues.FromIntegers(context.OutputType(), dims, Array.ConvertAll(result, v => (long)v));
        }

        for (var i = 0; i < result.Length; i++)
        {
            result[i] = Activation.Apply(activation, TensorValues.RoundTo(context.OutputType().Element, result[i]));
        }

        return context.Reals(dims, result);
    }
}
