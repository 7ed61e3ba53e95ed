using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Formats.Onnx;

/// <summary>
/// Folds the small integer "shape arithmetic" ops that ONNX exporters emit (Shape → Gather → Concat → Reshape)
/// while importing. Only int32/int64 data (plus Shape of any statically shaped value) is folded; a general
/// reference interpreter can take its place.
/// </summary>
internal sealed class OnnxShapeEvaluator : IConstantEvaluator
{
    private const long MaxElements = 1 << 16;

    public Tensor[]? TryEvaluate(Op op, IReadOnlyList<Value?> inputs)
    {
        if (op is ShapeOf)
        {
            return inputs[0]!.Shape.IsStatic ? [Tensor.Vector(inputs[0]!.Shape.ToArray())] : null;
        }

        if (inputs.Count == 0 || inputs.Any(i => i is not null && (i.Constant is null || i.Constant.ElementCount > MaxElements)))
        {
            return null;
        }

        if (op is Identity)
        {
            return [inputs[0]!.Constant!];
        }

        if (op is Cast cast)
        {
            return CastInts(inputs[0]!.Constant!, cast.To);
        }

        if (inputs.Any(i => i is not null && !IsInt(i.DType)))
        {
            return null;
        }

        var type = op.InferTypes(new InferenceContext(op, inputs))[0];
        var x = inputs[0]!.Constant!;
        return op switch
        {
            Unsqueeze or Squeeze or Reshape or Flatten => [x.Reshape(type.Shape)],
            Unary { Function: UnaryFunction.Neg } => [Make(x.DType, x.Shape, Array.ConvertAll(x.ToInt64s(), v => -v))],
            Binary b when b.Activation == FusedActivation.None => Elementwise(b.Function, x, inputs[1]!.Constant!, type),
            Gather g => [Make(x.DType, type.Shape, GatherValues(x, inputs[1]!.Constant!, ShapeMath.Axis(g.Axis, x.Shape.Rank)))],
            Concat c => [Make(x.DType, type.Shape, ConcatValues([.. inputs.Select(i => i!.Constant!)], ShapeMath.Axis(c.Axis, x.Shape.Rank)))],
            Slice s => [Make(x.DType, type.Shape, SliceValues(x, s, type.Shape))],
            _ => null,
        };
    }

    private static bool IsInt(DataType type) => type.Quant is null && type.Element is ElementType.Int64 or ElementType.Int32;

    private static Tensor[]? CastInts(Tensor x, DataType to)
    {
        if (to.IsQuantized || x.DType.IsQuantized)
        {
            return null;
        }

        if (IsInt(x.DType) && IsInt(to))
        {
            return [Make(to, x.Shape, x.ToInt64s())];
        }

        if (IsInt(to) && x.DType.IsFloat)
        {
            return [Make(to, x.Shape, Array.ConvertAll(x.ToDoubles(), v => (long)v))];
        }

        if (IsInt(x.DType) && to.Element is ElementType.Float32)
        {
            return [Tensor.FromFloats(x.Shape, Array.ConvertAll(x.ToInt64s(), v => (float)v))];
        }

        return null;
    }

    private static Tensor Make(DataType type, Shape shape, long[] values) => type.Element == ElementType.Int32
        ? Tensor.FromInt32s(shape, Array.ConvertAll(values, v => checked((int)v)))
        : Tensor.FromInt64s(shape, values);

    private static Tensor[]? Elementwise(BinaryFunction function, Tensor a, Tensor b, TensorType type)
    {
        Func<long, long, long>? f = function switch
        {
            BinaryFunction.Add => (x, y) => x + y,
            BinaryFunction.Sub => (x, y) => x - y,
            BinaryFunction.Mul => (x, y) => x * y,
            BinaryFunction.Div => (x, y) => y == 0 ? throw new IrException("integer division by zero") : x / y,
            _ => null,
        };
        if (f is null || type.DType.Element is not (ElementType.Int32 or ElementType.Int64))
        {
            return null;
        }

        var shape = type.Shape;
        var av = a.ToInt64s();
        var bv = b.ToInt64s();
        var result = new long[shape.ElementCount];
        var ai = BroadcastIndex(a.Shape, shape);
        var bi = BroadcastIndex(b.Shape, shape);
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = f(av[ai[i]], bv[bi[i]]);
        }

        return [Make(type.DType, shape, result)];
    }

    /// <summary>For every element of <paramref name="target"/>, the flat index of the broadcast source element.</summary>
    private static int[] BroadcastIndex(Shape source, Shape target)
    {
        var rank = target.Rank;
        var strides = new long[rank];
        long stride = 1;
        for (var d = source.Rank - 1; d >= 0; d--)
        {
            strides[d + (rank - source.Rank)] = source[d] == 1 ? 0 : stride;
            stride *= source[d];
        }

        var result = new int[target.ElementCount];
        for (var i = 0; i < result.Length; i++)
        {
            long rest = i;
            long index = 0;
            for (var d = rank - 1; d >= 0; d--)
            {
                index += rest % target[d] * strides[d];
                rest /= target[d];
            }

            result[i] = (int)index;
        }

        return result;
    }

    private static long[] GatherValues(Tensor x, Tensor indices, int axis)
    {
        var values = x.ToInt64s();
        var idx = indices.ToInt64s();
        var outer = ShapeMath.Product(x.Shape.Take(axis));
        var length = x.Shape[axis];
        var inner = ShapeMath.Product(x.Shape.Skip(axis + 1));
        var result = new List<long>();
        for (long o = 0; o < outer; o++)
        {
            foreach (var raw in idx)
            {
                var k = raw < 0 ? raw + length : raw;
                if (k < 0 || k >= length)
                {
                    throw new IrException($"Gather: index {raw} out of range for length {length}");
                }

                result.AddRange(values.AsSpan((int)(((o * length) + k) * inner), (int)inner));
            }
        }

        return [.. result];
    }

    private static long[] ConcatValues(Tensor[] parts, int axis)
    {
        var outer = ShapeMath.Product(parts[0].Shape.Take(axis));
        var result = new List<long>();
        var values = parts.Select(p => p.ToInt64s()).ToArray();
        for (long o = 0; o < outer; o++)
        {
            for (var p = 0; p < parts.Length; p++)
            {
                var chunk = ShapeMath.Product(parts[p].Shape.Skip(axis));
                result.AddRange(values[p].AsSpan((int)(o * chunk), (int)chunk));
            }
        }

        return [.. result];
    }

    private static long[] SliceValues(Tensor x, Slice slice, Shape outShape)
    {
        var rank = x.Shape.Rank;
        var first = new long[rank];
        var step = Enumerable.Repeat(1L, rank).ToArray();
        for (var i = 0; i < slice.Axes.Length; i++)
        {
            var axis = ShapeMath.Axis(slice.Axes[i], rank);
            first[axis] = Slice.Range(x.Shape[axis], slice.Starts[i], slice.Ends[i], slice.Steps[i]).First;
            step[axis] = slice.Steps[i];
        }

        var values = x.ToInt64s();
        var result = new long[outShape.ElementCount];
        for (var i = 0; i < result.Length; i++)
        {
            long rest = i;
            long index = 0;
            long stride = 1;
            for (var d = rank - 1; d >= 0; d--)
            {
                index += (first[d] + (rest % outShape[d] * step[d])) * stride;
                rest /= outShape[d];
                stride *= x.Shape[d];
            }

            result[i] = values[index];
        }

        return result;
    }
}
