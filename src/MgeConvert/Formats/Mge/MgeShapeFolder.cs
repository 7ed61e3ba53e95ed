using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Formats.Mge;

/// <summary>
/// TEMPORARY, to be replaced by <c>MgeConvert.Reference.ConstantEvaluator</c>: folds the small constant
/// subgraphs MegEngine dumps for shapes (GetVarShape → Subtensor/Concat/Elemwise/Reduce → Reshape target)
/// so shape operands become constants. Only small non-quantized tensors; anything else is left to the graph.
/// </summary>
internal sealed class MgeShapeFolder : IConstantEvaluator
{
    private const int MaxElements = 4096;

    public Tensor[]? TryEvaluate(Op op, IReadOnlyList<Value?> inputs)
    {
        if (inputs.Count == 0 || inputs.Any(v => v?.Constant is not { } t || t.ElementCount > MaxElements || t.DType.IsQuantized))
        {
            return null;
        }

        TensorType[] types;
        try
        {
            types = op.InferTypes(new InferenceContext(op, inputs));
        }
        catch (IrException)
        {
            return null;
        }

        if (types.Length != 1 || !types[0].Shape.IsStatic || types[0].DType.IsQuantized || types[0].Shape.ElementCount > MaxElements)
        {
            return null;
        }

        if (types[0].DType.Element is not (ElementType.Float32 or ElementType.Float16 or ElementType.Float64 or ElementType.Int32
            or ElementType.Int64 or ElementType.Int16 or ElementType.Int8 or ElementType.UInt8 or ElementType.Bool))
        {
            return null;
        }

        var x = inputs.Select(v => v!.Constant!).ToArray();
        var shape = types[0].Shape;
        double[]? values = op switch
        {
            Binary { Activation: FusedActivation.None } b => Broadcast(x[0], x[1], shape, (p, q) => Binary(b.Function, p, q, types[0].DType)),
            Unary u => Unary(u.Function, x[0].ToDoubles()),
            Cast => x[0].ToDoubles(),
            Reshape or Squeeze or Unsqueeze or Flatten => x[0].ToDoubles(),
            Concat c => Concat(x, ShapeMath.Axis(c.Axis, x[0].Shape.Rank)),
            Slice s => Gather(x[0], shape, SliceIndex(s, x[0].Shape)),
            Transpose t => Gather(x[0], shape, o => [.. t.Perm.Select((_, i) => o[Array.IndexOf(t.Perm, (long)i)])]),
            Expand => Broadcast(x[0], x[0], shape, (p, _) => p),
            Ir.Ops.Reduce r => Reduce(r, x[0]),
            _ => null,
        };
        return values is null ? null : [FromDoubles(types[0].DType, shape, values)];
    }

    private static double Binary(BinaryFunction f, double a, double b, DataType type) => f switch
    {
        BinaryFunction.Add => a + b,
        BinaryFunction.Sub => a - b,
        BinaryFunction.Mul => a * b,
        BinaryFunction.Div => type.Element.IsFloat() ? a / b : Math.Truncate(a / b),
        BinaryFunction.FloorDiv => Math.Floor(a / b),
        BinaryFunction.Mod => a - (b * Math.Floor(a / b)),
        BinaryFunction.Pow => Math.Pow(a, b),
        BinaryFunction.Max => Math.Max(a, b),
        BinaryFunction.Min => Math.Min(a, b),
        BinaryFunction.Equal => a == b ? 1 : 0,
        BinaryFunction.Less => a < b ? 1 : 0,
        BinaryFunction.LessOrEqual => a <= b ? 1 : 0,
        BinaryFunction.Greater => a > b ? 1 : 0,
        BinaryFunction.GreaterOrEqual => a >= b ? 1 : 0,
        _ => double.NaN,
    };

    private static double[]? Unary(UnaryFunction f, double[] x) => f switch
    {
        UnaryFunction.Neg => Array.ConvertAll(x, v => -v),
        UnaryFunction.Abs => Array.ConvertAll(x, Math.Abs),
        UnaryFunction.Floor => Array.ConvertAll(x, Math.Floor),
        UnaryFunction.Ceil => Array.ConvertAll(x, Math.Ceiling),
        UnaryFunction.Relu => Array.ConvertAll(x, v => Math.Max(v, 0)),
        _ => null,
    };

    private static double[] Broadcast(Tensor a, Tensor b, Shape shape, Func<double, double, double> f)
    {
        var av = a.ToDoubles();
        var bv = b.ToDoubles();
        var ia = Indexer(a.Shape, shape);
        var ib = Indexer(b.Shape, shape);
        var result = new double[shape.ElementCount];
        ForEach(shape, (o, flat) => result[flat] = f(av[ia(o)], bv[ib(o)]));
        return result;
    }

    private static double[] Concat(Tensor[] x, int axis)
    {
        var result = new List<double>();
        var outer = x[0].Shape.Take(axis).Aggregate(1L, (p, d) => p * d);
        for (var o = 0; o < outer; o++)
        {
            foreach (var t in x)
            {
                var block = (int)t.Shape.Skip(axis).Aggregate(1L, (p, d) => p * d);
                result.AddRange(t.ToDoubles().AsSpan(o * block, block).ToArray());
            }
        }

        return [.. result];
    }

    private static Func<long[], long[]> SliceIndex(Slice s, Shape input) => o =>
    {
        var idx = (long[])o.Clone();
        for (var i = 0; i < s.Axes.Length; i++)
        {
            var axis = ShapeMath.Axis(s.Axes[i], input.Rank);
            var (first, _) = Ir.Ops.Slice.Range(input[axis], s.Starts[i], s.Ends[i], s.Steps[i]);
            idx[axis] = first + (o[axis] * s.Steps[i]);
        }

        return idx;
    };

    private static double[] Gather(Tensor x, Shape shape, Func<long[], long[]> source)
    {
        var xv = x.ToDoubles();
        var strides = Strides(x.Shape);
        var result = new double[shape.ElementCount];
        ForEach(shape, (o, flat) => result[flat] = xv[source(o).Select((v, i) => v * strides[i]).Sum()]);
        return result;
    }

    private static double[]? Reduce(Ir.Ops.Reduce r, Tensor x)
    {
        var rank = x.Shape.Rank;
        var axes = r.Axes.Length == 0 ? [.. Enumerable.Range(0, rank)] : r.Axes.Select(a => ShapeMath.Axis(a, rank)).ToHashSet();
        var kept = new Shape([.. Enumerable.Range(0, rank).Select(i => axes.Contains(i) ? 1 : x.Shape[i])]);
        var groups = new List<double>[kept.ElementCount];
        var keptStrides = Strides(kept);
        var xv = x.ToDoubles();
        ForEach(x.Shape, (o, flat) =>
        {
            var k = (int)Enumerable.Range(0, rank).Sum(i => axes.Contains(i) ? 0 : o[i] * keptStrides[i]);
            (groups[k] ??= []).Add(xv[flat]);
        });
        Func<List<double>, double>? f = r.Kind switch
        {
            ReduceKind.Sum => g => g.Sum(),
            ReduceKind.Prod => g => g.Aggregate(1.0, (p, v) => p * v),
            ReduceKind.Max => g => g.Max(),
            ReduceKind.Min => g => g.Min(),
            ReduceKind.Mean => g => g.Average(),
            ReduceKind.SumSquare => g => g.Sum(v => v * v),
            _ => null,
        };
        return f is null ? null : [.. groups.Select(g => f(g ?? []))];
    }

    private static Func<long[], long> Indexer(Shape from, Shape to)
    {
        var strides = Strides(from);
        var offset = to.Rank - from.Rank;
        return o =>
        {
            long flat = 0;
            for (var i = 0; i < from.Rank; i++)
            {
                flat += from[i] == 1 ? 0 : o[i + offset] * strides[i];
            }

            return flat;
        };
    }

    private static long[] Strides(Shape s)
    {
        var strides = new long[s.Rank];
        long step = 1;
        for (var i = s.Rank - 1; i >= 0; i--)
        {
            strides[i] = step;
            step *= s[i];
        }

        return strides;
    }

    private static void ForEach(Shape shape, Action<long[], int> visit)
    {
        var n = shape.ElementCount;
        var o = new long[shape.Rank];
        for (var flat = 0; flat < n; flat++)
        {
            visit(o, flat);
            for (var i = shape.Rank - 1; i >= 0 && ++o[i] == shape[i]; i--)
            {
                o[i] = 0;
            }
        }
    }

    private static Tensor FromDoubles(DataType dtype, Shape shape, double[] v) => dtype.Element switch
    {
        ElementType.Float32 => Tensor.Create(dtype, shape, Array.ConvertAll(v, d => (float)d)),
        ElementType.Float16 => Tensor.Create(dtype, shape, Array.ConvertAll(v, d => (Half)d)),
        ElementType.Float64 => Tensor.Create(dtype, shape, v),
        ElementType.Int32 => Tensor.Create(dtype, shape, Array.ConvertAll(v, d => (int)d)),
        ElementType.Int64 => Tensor.Create(dtype, shape, Array.ConvertAll(v, d => (long)d)),
        ElementType.Int16 => Tensor.Create(dtype, shape, Array.ConvertAll(v, d => (short)d)),
        ElementType.Int8 => Tensor.Create(dtype, shape, Array.ConvertAll(v, d => (sbyte)d)),
        ElementType.UInt8 => Tensor.Create(dtype, shape, Array.ConvertAll(v, d => (byte)d)),
        _ => Tensor.Create(dtype, shape, Array.ConvertAll(v, d => d != 0 ? (byte)1 : (byte)0)),
    };
}
