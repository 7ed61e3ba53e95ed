using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Reference.Kernels;

/// <summary>Reductions over axes, ArgMax/ArgMin and TopK.</summary>
internal static class ReductionKernels
{
    public static void Register(KernelTable table)
    {
        table.Add<Reduce>(Reduce);
        table.Add<ArgReduce>(ArgReduce);
        table.Add<TopK>(TopK);
    }

    private static Tensor[] Reduce(Reduce op, KernelContext context)
    {
        var x = context.Input(0);
        var dims = x.Shape.ToArray();
        var reduced = new bool[dims.Length];
        foreach (var axis in op.Axes.Length == 0 ? Enumerable.Range(0, dims.Length).Select(i => (long)i) : op.Axes)
        {
            reduced[Indexing.Axis(axis, dims.Length)] = true;
        }

        var keptDims = dims.Select((d, i) => reduced[i] ? 1 : d).ToArray();
        var keptStrides = Indexing.Strides(keptDims);
        for (var i = 0; i < dims.Length; i++)
        {
            keptStrides[i] = reduced[i] ? 0 : keptStrides[i];
        }

        var target = Indexing.Map(dims, keptStrides, 0);
        var outDims = op.KeepDims ? keptDims : dims.Where((_, i) => !reduced[i]).ToArray();
        var count = Indexing.Count(keptDims);
        var groupSize = count == 0 ? 0 : target.Length / count;

        if (TensorValues.IsIntegral(x.DType) && op.Kind is ReduceKind.Sum or ReduceKind.Max or ReduceKind.Min or ReduceKind.Prod)
        {
            var values = TensorValues.Integers(x);
            var result = new long[count];
            Array.Fill(result, op.Kind switch { ReduceKind.Max => long.MinValue, ReduceKind.Min => long.MaxValue, ReduceKind.Prod => 1, _ => 0 });
            for (var i = 0; i < values.Length; i++)
            {
                ref var r = ref result[target[i]];
                r = op.Kind switch
                {
                    ReduceKind.Max => Math.Max(r, values[i]),
                    ReduceKind.Min => Math.Min(r, values[i]),
                    ReduceKind.Prod => unchecked(r * values[i]),
                    _ => unchecked(r + values[i]),
                };
            }

            return [TensorValues.FromIntegers(context.OutputType(), outDims, result)];
        }

        var reals = TensorValues.Reals(x);
        var acc = new double[count];
        Array.Fill(acc, op.Kind switch
        {
            ReduceKind.Max => double.NegativeInfinity,
            ReduceKind.Min => double.PositiveInfinity,
            ReduceKind.Prod => 1,
            ReduceKind.LogSumExp => double.NegativeInfinity,
            _ => 0,
        });
        if (op.Kind == ReduceKind.LogSumExp)
        {
            for (var i = 0; i < reals.Length; i++)
            {
                acc[target[i]] = Math.Max(acc[target[i]], reals[i]);
            }
        }

        var shift = (double[])acc.Clone();
        if (op.Kind == ReduceKind.LogSumExp)
        {
            Array.Fill(acc, 0);
        }

        for (var i = 0; i < reals.Length; i++)
        {
            var v = reals[i];
            ref var r = ref acc[target[i]];
            r = op.Kind switch
            {
                ReduceKind.Max => double.IsNaN(v) || v > r ? v : r,
                ReduceKind.Min => double.IsNaN(v) || v < r ? v : r,
                ReduceKind.Prod => r * v,
                ReduceKind.SumSquare or ReduceKind.L2 => r + (v * v),
                ReduceKind.L1 => r + Math.Abs(v),
                ReduceKind.LogSumExp => r + Math.Exp(v - shift[target[i]]),
                _ => r + v,
            };
        }

        for (var i = 0; i < acc.Length; i++)
        {
            acc[i] = op.Kind switch
            {
                ReduceKind.Mean => acc[i] / groupSize,
                ReduceKind.L2 => Math.Sqrt(acc[i]),
                ReduceKind.LogSum => Math.Log(acc[i]),
                ReduceKind.LogSumExp => double.IsInfinity(shift[i]) ? shift[i] : shift[i] + Math.Log(acc[i]),
                _ => acc[i],
            };
        }

        return [context.Reals(outDims, acc)];
    }

    private static Tensor[] ArgReduce(ArgReduce op, KernelContext context)
    {
        var x = context.Input(0);
        var dims = x.Shape.ToArray();
        var axis = Indexing.Axis(op.Axis, dims.Length);
        var values = TensorValues.Reals(x);
        var (outer, length, inner) = Indexing.AroundAxis(dims, axis);
        var result = new long[outer * inner];
        for (var o = 0; o < outer; o++)
        {
            for (var i = 0; i < inner; i++)
            {
                var best = 0;
                for (var j = 1; j < length; j++)
                {
                    var v = values[(((o * length) + j) * inner) + i];
                    var b = values[(((o * length) + best) * inner) + i];
                    var better = op.IsMax ? v > b : v < b;
                    if (better || (op.SelectLastIndex && v == b))
                    {
                        best = j;
                    }
                }

                result[(o * inner) + i] = best;
            }
        }

        var outDims = op.KeepDims ? dims.Select((d, i) => i == axis ? 1 : d).ToArray() : dims.Where((_, i) => i != axis).ToArray();
        return [TensorValues.FromIntegers(DataType.Int64, outDims, result)];
    }

    private static Tensor[] TopK(TopK op, KernelContext context)
    {
        var x = context.Input(0);
        var dims = x.Shape.ToArray();
        var axis = Indexing.Axis(op.Axis, dims.Length);
        var values = TensorValues.Reals(x);
        var (outer, length, inner) = Indexing.AroundAxis(dims, axis);
        var k = (int)op.K;
        if (k > length)
        {
            throw new IrException($"node {context.NodeName}: k = {k} exceeds axis length {length}");
        }

        var outDims = dims.Select((d, i) => i == axis ? k : d).ToArray();
        var indices = new long[outer * k * inner];
        var source = new int[indices.Length];
        var order = new int[length];
        for (var o = 0; o < outer; o++)
        {
            for (var i = 0; i < inner; i++)
            {
                for (var j = 0; j < length; j++)
                {
                    order[j] = j;
                }

                var at = (int j) => values[(((o * length) + j) * inner) + i];
                var sorted = op.Largest
                    ? order.OrderByDescending(at).ThenBy(j => j).ToArray()
                    : order.OrderBy(at).ThenBy(j => j).ToArray();
                for (var j = 0; j < k; j++)
                {
                    var flat = (((o * k) + j) * inner) + i;
                    indices[flat] = sorted[j];
                    source[flat] = (((o * length) + sorted[j]) * inner) + i;
                }
            }
        }

        return [context.Conform(Indexing.Take(x, outDims, source)), TensorValues.FromIntegers(DataType.Int64, outDims, indices)];
    }
}
