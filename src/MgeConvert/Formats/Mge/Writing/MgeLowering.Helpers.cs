using MgeConvert.Formats.Mge.Fbs;
using MgeConvert.Ir;

namespace MgeConvert.Formats.Mge.Writing;

/// <summary>Building blocks the op rules compose: one MegEngine operator each.</summary>
internal sealed partial class MgeLowering
{
    private static readonly MgeDType Int32 = new(DTypeEnum.Int32);
    private static readonly MgeDType BoolType = new(DTypeEnum.Bool);

    public static MgeDType Int32Type => Int32;

    public static MgeDType Bool => BoolType;

    /// <summary>Elemwise with numpy broadcasting; inputs of lower rank are first reshaped to the output rank.</summary>
    public MgeVar Elem(ElemwiseMode mode, params MgeVar[] x)
    {
        var shape = ShapeMath.Broadcast(x.Select(v => v.Shape));
        var aligned = x.Select(v => v.Shape.Rank == shape.Rank ? v : Aligned(v, new Shape([.. Enumerable.Repeat(1L, shape.Rank - v.Shape.Rank), .. v.Shape]))).ToArray();
        return Emit("Elemwise", [MgeWriteParams.Elemwise(mode)], aligned, shape, x[0].DType);
    }

    /// <summary>Elemwise with a constant second operand.</summary>
    public MgeVar Elem(ElemwiseMode mode, MgeVar x, double constant) => Elem(mode, x, Scalar(constant, x.DType, x.Shape.Rank));

    /// <summary>A var reshaped to <paramref name="shape"/>: constants are re-emitted in that shape, other vars get a Reshape.</summary>
    public MgeVar Aligned(MgeVar v, Shape shape) => ConstantOf(v) is { } t ? Const(t.Reshape(shape)) : Reshape(v, shape);

    public MgeVar PowC(MgeVar x, float exp) => Emit("PowC", MgeWriteParams.PowC(exp), x.Shape, x.DType, x);

    public MgeVar TypeCvt(MgeVar x, MgeDType to) =>
        x.DType == to ? x : Emit("TypeCvt", [MgeWriteParams.TypeCvt(to)], [x], x.Shape, to);

    /// <summary>Reshape (ReshapeV1 with an Int32 target constant); a rank-0 target is stored as [1].</summary>
    public MgeVar Reshape(MgeVar x, Shape target, bool force = false)
    {
        if (!force && x.Shape.Equals(target))
        {
            return x;
        }

        var stored = target.Rank == 0 ? [1L] : target.ToArray();
        var v = Emit("Reshape", MgeWriteParams.OptionalAxisV1(), target, x.DType, x, ConstInts(stored));
        return v;
    }

    public MgeVar Dimshuffle(MgeVar x, int[] perm)
    {
        if (perm.Select((p, i) => p == i).All(b => b))
        {
            return x;
        }

        var shape = new Shape([.. perm.Select(p => x.Shape[p])]);
        return Emit("Dimshuffle", MgeWriteParams.Dimshuffle(perm, (uint)x.Shape.Rank), shape, x.DType, x);
    }

    /// <summary>Reduce along one axis; MegEngine keeps the axis with size 1.</summary>
    public MgeVar Reduce(MgeVar x, ReduceMode mode, int axis) =>
        Emit("Reduce", MgeWriteParams.Reduce(mode, axis), x.Shape.With(axis, 1), x.DType, x);

    public MgeVar ReduceAxes(MgeVar x, ReduceMode mode, IEnumerable<int> axes)
    {
        foreach (var a in axes.Distinct().Order())
        {
            x = Reduce(x, mode, a);
        }

        return x;
    }

    /// <summary>AxisAddRemove REMOVE of size-1 axes (descending, so each index stays valid).</summary>
    public MgeVar RemoveAxes(MgeVar x, IEnumerable<int> axes)
    {
        var sorted = axes.Distinct().OrderDescending().ToList();
        if (sorted.Count == 0)
        {
            return x;
        }

        var dims = x.Shape.ToList();
        foreach (var a in sorted)
        {
            dims.RemoveAt(a);
        }

        return Emit("AxisAddRemove", MgeWriteParams.AxisAddRemove([.. sorted.Select(a => (AxisDescMethod.REMOVE, a))]), new Shape([.. dims]), x.DType, x);
    }

    /// <summary>AxisAddRemove ADD_1 at the given positions of the result (ascending).</summary>
    public MgeVar AddAxes(MgeVar x, IEnumerable<int> axes)
    {
        var sorted = axes.Distinct().Order().ToList();
        if (sorted.Count == 0)
        {
            return x;
        }

        var dims = x.Shape.ToList();
        foreach (var a in sorted)
        {
            dims.Insert(a, 1);
        }

        return Emit("AxisAddRemove", MgeWriteParams.AxisAddRemove([.. sorted.Select(a => (AxisDescMethod.ADD_1, a))]), new Shape([.. dims]), x.DType, x);
    }

    /// <summary>Subtensor with one begin/end/step slice per listed axis (Int32 [1] index constants; §9.1).</summary>
    public MgeVar Slice(MgeVar x, IReadOnlyList<(int Axis, long? Begin, long? End, long Step)> slices, Shape result)
    {
        if (slices.Count == 0)
        {
            return x;
        }

        var items = new List<(int, bool, bool, bool, bool)>();
        var inputs = new List<MgeVar> { x };
        foreach (var (axis, begin, end, step) in slices)
        {
            items.Add((axis, begin is not null, end is not null, step != 1, false));
            if (begin is { } b)
            {
                inputs.Add(ConstInts(b));
            }

            if (end is { } e)
            {
                inputs.Add(ConstInts(e));
            }

            if (step != 1)
            {
                inputs.Add(ConstInts(step));
            }
        }

        return Emit("Subtensor", [MgeWriteParams.IndexDescMaskDump(items)], inputs, result, x.DType);
    }

    /// <summary>Subtensor taking index <paramref name="index"/> of <paramref name="axis"/>, which disappears.</summary>
    public MgeVar Take(MgeVar x, int axis, long index)
    {
        var dims = x.Shape.ToList();
        dims.RemoveAt(axis);
        return Emit("Subtensor", [MgeWriteParams.IndexDescMaskDump([(axis, false, false, false, true)])], [x, ConstInts(index)], new Shape([.. dims]), x.DType);
    }

    public MgeVar Broadcast(MgeVar x, Shape target) =>
        x.Shape.Equals(target) ? x : Emit("Broadcast", MgeWriteParams.Empty(), target, x.DType, x, ConstInts(target.ToArray()));

    public MgeVar Concat(IReadOnlyList<MgeVar> xs, int axis)
    {
        var total = xs.Sum(v => v.Shape[axis]);
        return Emit("Concat", [MgeWriteParams.Axis(axis)], xs, xs[0].Shape.With(axis, total), xs[0].DType);
    }

    public MgeVar Padding(MgeVar x, long[] front, long[] back, PaddingPaddingMode mode, float value)
    {
        if (front.All(p => p == 0) && back.All(p => p == 0))
        {
            return x;
        }

        if (x.Shape.Rank > 7 || front.Concat(back).Any(p => p < 0))
        {
            throw new MgeWriteUnsupportedException("Padding needs rank ≤ 7 and non-negative pads");
        }

        var shape = new Shape([.. x.Shape.Select((d, i) => d + front[i] + back[i])]);
        return Emit("PaddingForward", MgeWriteParams.Padding([.. front.Select(p => (uint)p)], [.. back.Select(p => (uint)p)], mode, value), shape, x.DType, x);
    }

    public int Axis(long axis, int rank) => (int)(axis < 0 ? axis + rank : axis);
}
