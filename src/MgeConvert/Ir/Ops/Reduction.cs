namespace MgeConvert.Ir.Ops;

public enum ReduceKind
{
    Sum,
    Mean,
    Max,
    Min,
    Prod,
    SumSquare,
    L1,
    L2,
    LogSum,
    LogSumExp,
}

/// <summary>Reduction over <see cref="Axes"/> (empty: all axes).</summary>
public sealed record Reduce(ReduceKind Kind, long[] Axes, bool KeepDims = true) : Op
{
    public override string Name => "Reduce" + Kind;

    public override TensorType[] InferTypes(InferenceContext context)
    {
        var x = context.Shape(0);
        return [new TensorType(context.DType(0), ReducedShape(x, Axes, KeepDims))];
    }

    internal static Shape ReducedShape(Shape x, long[] axes, bool keepDims)
    {
        if (!x.HasRank)
        {
            return Shape.Unknown;
        }

        var reduced = axes.Length == 0
            ? Enumerable.Range(0, x.Rank).ToHashSet()
            : axes.Select(a => ShapeMath.Axis(a, x.Rank)).ToHashSet();
        var dims = new List<long>();
        for (var i = 0; i < x.Rank; i++)
        {
            if (!reduced.Contains(i))
            {
                dims.Add(x[i]);
            }
            else if (keepDims)
            {
                dims.Add(1);
            }
        }

        return new Shape([.. dims]);
    }
}

/// <summary>Index of the max (or min) along one axis, as int64.</summary>
public sealed record ArgReduce(bool IsMax, long Axis, bool KeepDims = true, bool SelectLastIndex = false) : Op
{
    public override string Name => IsMax ? "ArgMax" : "ArgMin";

    public override TensorType[] InferTypes(InferenceContext context) =>
        [new TensorType(DataType.Int64, Reduce.ReducedShape(context.Shape(0), [Axis], KeepDims))];
}

/// <summary>The K largest (or smallest) elements along an axis: values and int64 indices.</summary>
public sealed record TopK(long K, long Axis = -1, bool Largest = true, bool Sorted = true) : Op
{
    public override TensorType[] InferTypes(InferenceContext context)
    {
        var x = context.Shape(0);
        var axis = ShapeMath.Axis(Axis, x.Rank);
        var shape = x.With(axis, K);
        return [new TensorType(context.DType(0), shape), new TensorType(DataType.Int64, shape)];
    }
}
