using MgeConvert.Formats.Pickle;
using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Formats.TracedModule;

/// <summary>Tensor methods (args[0] is the tensor itself) and Apply ops.</summary>
internal static class TmMethodOps
{
    public static void Register(Dictionary<string, TmHandler> t)
    {
        Arith(t, BinaryFunction.Add, "__add__", "__iadd__", "__radd__");
        Arith(t, BinaryFunction.Sub, "__sub__", "__isub__", "__rsub__");
        Arith(t, BinaryFunction.Mul, "__mul__", "__imul__", "__rmul__");
        Arith(t, BinaryFunction.Div, "__truediv__", "__itruediv__", "__rtruediv__");
        Arith(t, BinaryFunction.FloorDiv, "__floordiv__", "__ifloordiv__", "__rfloordiv__");
        Arith(t, BinaryFunction.Pow, "__pow__", "__ipow__", "__rpow__");
        Arith(t, BinaryFunction.Mod, "__mod__", "__imod__", "__rmod__");
        Arith(t, BinaryFunction.Greater, "__gt__");
        Arith(t, BinaryFunction.GreaterOrEqual, "__ge__");
        Arith(t, BinaryFunction.Less, "__lt__");
        Arith(t, BinaryFunction.LessOrEqual, "__le__");
        Arith(t, BinaryFunction.Equal, "__eq__");
        Arith(t, BinaryFunction.Max, "maximum");
        Arith(t, BinaryFunction.Min, "minimum");
        t["Tensor.__neg__"] = c => [Fold(c, UnaryFunction.Neg)];
        t["Tensor.__abs__"] = c => [c.Emit(new Unary(UnaryFunction.Abs), c.Tensor(0))];
        t["Tensor.__matmul__"] = c => [c.Emit(new MatMul(), c.Tensor(0), c.Tensor(1))];
        t["Tensor.__getitem__"] = GetItem;
        t["Tensor.reshape"] = c => [c.Emit(new Reshape(c.OutShape()), c.Tensor(0))];
        t["Tensor.flatten"] = c => [c.Emit(new Reshape(c.OutShape()), c.Tensor(0))];
        t["Tensor.transpose"] = Transpose;
        t["Tensor.astype"] = AsType;
        t["Tensor.sum"] = c => [TmFunctionOps.ReduceCall(c, ReduceKind.Sum)];
        t["Tensor.mean"] = c => [TmFunctionOps.ReduceCall(c, ReduceKind.Mean)];
        t["Tensor.max"] = c => [TmFunctionOps.ReduceCall(c, ReduceKind.Max)];
        t["Tensor.min"] = c => [TmFunctionOps.ReduceCall(c, ReduceKind.Min)];
        t["Tensor.prod"] = c => [TmFunctionOps.ReduceCall(c, ReduceKind.Prod)];
        t["Tensor.__new__"] = NewTensor;
        t["Apply.GetVarShape"] = GetVarShape;
    }

    private static void Arith(Dictionary<string, TmHandler> t, BinaryFunction f, params string[] methods)
    {
        foreach (var m in methods)
        {
            var reflected = m.StartsWith("__r", StringComparison.Ordinal) && m != "__rshift__";
            t["Tensor." + m] = c =>
            {
                var self = c.Tensor(0);
                var other = c.Tensor(1, self);
                return [reflected ? c.Converter.Binary(f, other, self) : c.Converter.Binary(f, self, other)];
            };
        }
    }

    private static Value Fold(TmCall c, UnaryFunction f)
    {
        var x = c.Tensor(0);
        if (f == UnaryFunction.Neg && x.Constant is { ElementCount: <= 4096 } k)
        {
            return c.B.Constant("const_val", TmFolding.FromDoubles(k.Shape, [.. k.ToDoubles().Select(v => -v)], k.DType.Element));
        }

        return c.Emit(new Unary(f), x);
    }

    private static Value[] Transpose(TmCall c)
    {
        var x = c.Tensor(0);
        long[] perm = c.Count == 2 && c.Arg(1) is PyTuple or PyList ? c.Ints(1)! : [.. Enumerable.Range(1, c.Count - 1).Select(i => c.Int(i))];
        if (perm.Length == 0)
        {
            perm = [.. Enumerable.Range(0, x.Shape.Rank).Reverse().Select(i => (long)i)];
        }

        return [c.Emit(new Transpose(perm), x)];
    }

    private static Value[] AsType(TmCall c)
    {
        var x = c.Tensor(0);
        var dtype = c.Arg(1) switch
        {
            NpDType d => d,
            PyGlobal g => NpDType.FromScalarType(g),
            string s => new NpDType(s),
            _ => null,
        } ?? throw c.Error($"astype to {PyValues.Repr(c.Arg(1))} is not supported");
        var target = dtype.ToDataType();
        if (x.Constant is { } k && !target.IsQuantized)
        {
            return [c.B.Constant("const_val", TmFolding.Cast(k, target.Element))];
        }

        return [target.Element == x.DType.Element && !target.IsQuantized ? c.Emit(new Identity(), x) : c.Emit(new Cast(target), x)];
    }

    /// <summary>Tensor(data, dtype=None, ...) recorded as CallMethod "__new__" with the class as first argument.</summary>
    private static Value[] NewTensor(TmCall c)
    {
        var data = c.Arg(1);
        var value = c.Converter.AsValue(data, null, c.Where);
        if (c.Arg(2) is NpDType or PyGlobal && value.Constant is { } k)
        {
            var target = c.Arg(2) is NpDType d ? d : NpDType.FromScalarType((PyGlobal)c.Arg(2)!);
            if (target is not null)
            {
                value = c.B.Constant("const_val", TmFolding.Cast(k, target.ElementType));
            }
        }

        return [value];
    }

    private static Value[] GetVarShape(TmCall c)
    {
        var x = c.Tensor(0);
        if (!x.Shape.IsStatic)
        {
            throw c.Error($"shape of {x.Name} is not static ({x.Shape})");
        }

        var dims = x.Shape.ToIntArray();
        if (c.Expr.OpdefState?.Get("axis") is { } axisValue && PyValues.TryGetLong(axisValue, out var axis) && axis is >= 0 and < 7)
        {
            dims = [dims[axis]];
        }

        return [c.B.Constant("const_val", Tensor.FromInt32s(new Shape(dims.Length), dims))];
    }

    private static Value[] GetItem(TmCall c)
    {
        var x = c.Tensor(0);
        var index = c.Arg(1);
        var items = index is PyTuple t ? t.Items.ToList() : [index];
        if (x.Constant is { } k && k.Shape.Rank == 1 && items.Count == 1 && PyValues.TryGetLong(items[0], out var single))
        {
            var v = k.ToDoubles();
            var i = single < 0 ? single + v.Length : single;
            if (i < 0 || i >= v.Length)
            {
                throw c.Error($"index {single} out of range for {v.Length} elements");
            }

            return [c.B.Constant("const_val", TmFolding.FromDoubles(Shape.Scalar, [v[i]], k.DType.Element))];
        }

        var rank = x.Shape.Rank;
        var starts = new List<long>();
        var ends = new List<long>();
        var axes = new List<long>();
        var steps = new List<long>();
        var squeeze = new List<long>();
        var inserted = new List<long>();
        (int Axis, Value Index)? gather = null;
        var consuming = items.Count(i => i is not null and not PyGlobal { Name: "Ellipsis" });
        var axis = 0;
        var outAxis = 0L;
        foreach (var item in items)
        {
            if (axis >= rank && item is not (null or PyGlobal { Name: "Ellipsis" }))
            {
                throw c.Error("too many indices");
            }

            switch (item)
            {
                case null:
                    inserted.Add(outAxis++);
                    break;
                case PySlice s:
                    var step = s.Step is null ? 1 : c.Converter.AsLong(s.Step, null, c.Where);
                    var start = s.Start is null ? (step > 0 ? 0 : -1) : c.Converter.AsLong(s.Start, null, c.Where);
                    var end = s.Stop is null ? (step > 0 ? long.MaxValue : long.MinValue) : c.Converter.AsLong(s.Stop, null, c.Where);
                    if (s.Start is not null || s.Stop is not null || step != 1)
                    {
                        starts.Add(start);
                        ends.Add(end);
                        axes.Add(axis);
                        steps.Add(step);
                    }

                    axis++;
                    outAxis++;
                    break;
                case Value v when !(v.IsConstant && v.Shape.HasRank && v.Shape.Rank == 0):
                    if (gather is not null)
                    {
                        throw c.Error("more than one tensor index is not supported");
                    }

                    gather = (axis, v);
                    axis++;
                    outAxis += v.Shape.Rank;
                    break;
                case PyGlobal { Name: "Ellipsis" }:
                    var covered = rank - consuming;
                    axis += covered;
                    outAxis += covered;
                    break;
                default:
                    var idx = c.Converter.AsLong(item, null, c.Where);
                    starts.Add(idx);
                    ends.Add(idx == -1 ? long.MaxValue : idx + 1);
                    axes.Add(axis);
                    steps.Add(1);
                    squeeze.Add(axis);
                    axis++;
                    break;
            }
        }

        var y = x;
        if (axes.Count > 0)
        {
            y = c.Emit(new Slice([.. starts], [.. ends], [.. axes], [.. steps]), y);
        }

        if (gather is { } g)
        {
            y = c.Emit(new Gather(g.Axis), y, g.Index);
            var extra = g.Index.Shape.Rank - 1;
            squeeze = [.. squeeze.Select(s => s > g.Axis ? s + extra : s)];
        }

        if (squeeze.Count > 0)
        {
            y = c.Emit(new Squeeze([.. squeeze]), y);
        }

        if (inserted.Count > 0)
        {
            y = c.Emit(new Unsqueeze([.. inserted]), y);
        }

        return [y == x ? c.Emit(new Identity(), x) : y];
    }
}
