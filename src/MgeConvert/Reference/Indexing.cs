using MgeConvert.Ir;

namespace MgeConvert.Reference;

/// <summary>Flat-index arithmetic over C-order tensors, and element moves that copy stored bytes exactly.</summary>
public static class Indexing
{
    public static int Count(long[] dims)
    {
        long n = 1;
        foreach (var d in dims)
        {
            n = checked(n * d);
        }

        return checked((int)n);
    }

    /// <summary>C-order strides in elements.</summary>
    public static long[] Strides(long[] dims)
    {
        var strides = new long[dims.Length];
        long s = 1;
        for (var i = dims.Length - 1; i >= 0; i--)
        {
            strides[i] = s;
            s *= dims[i];
        }

        return strides;
    }

    /// <summary>The numpy broadcast of several shapes; throws when they do not broadcast.</summary>
    public static long[] Broadcast(params long[][] shapes)
    {
        var rank = shapes.Max(s => s.Length);
        var dims = new long[rank];
        Array.Fill(dims, 1);
        foreach (var s in shapes)
        {
            for (var i = 0; i < s.Length; i++)
            {
                var axis = rank - s.Length + i;
                if (s[i] != 1)
                {
                    dims[axis] = dims[axis] == 1 || dims[axis] == s[i]
                        ? s[i]
                        : throw new IrException($"shapes {string.Join(" and ", shapes.Select(x => new Shape(x)))} do not broadcast");
                }
            }
        }

        return dims;
    }

    /// <summary>For every element of <paramref name="target"/>, the flat index of the element of <paramref name="source"/> broadcast to it.</summary>
    public static int[] BroadcastSource(long[] source, long[] target)
    {
        var rank = target.Length;
        var sourceStrides = Strides(source);
        var strides = new long[rank];
        for (var i = 0; i < source.Length; i++)
        {
            var axis = rank - source.Length + i;
            strides[axis] = source[i] == 1 ? 0 : sourceStrides[i];
        }

        return Map(target, strides, 0);
    }

    /// <summary>For every element of an array shaped <paramref name="dims"/>, offset + Σ index·stride.</summary>
    public static int[] Map(long[] dims, long[] strides, long offset)
    {
        var result = new int[Count(dims)];
        var index = new long[dims.Length];
        var position = offset;
        for (var flat = 0; flat < result.Length; flat++)
        {
            result[flat] = checked((int)position);
            for (var axis = dims.Length - 1; axis >= 0; axis--)
            {
                index[axis]++;
                position += strides[axis];
                if (index[axis] < dims[axis])
                {
                    break;
                }

                position -= strides[axis] * dims[axis];
                index[axis] = 0;
            }
        }

        return result;
    }

    /// <summary>
    /// For every element of an array shaped <paramref name="dims"/>, Σ offsets[axis][index on axis], or -1 when
    /// any of those per-axis offsets is -1 (a position outside the source).
    /// </summary>
    public static int[] Separable(long[] dims, long[][] offsets)
    {
        var result = new int[Count(dims)];
        var index = new long[dims.Length];
        for (var flat = 0; flat < result.Length; flat++)
        {
            long position = 0;
            for (var axis = 0; axis < dims.Length && position >= 0; axis++)
            {
                var offset = offsets[axis][index[axis]];
                position = offset < 0 ? -1 : position + offset;
            }

            result[flat] = checked((int)position);
            for (var axis = dims.Length - 1; axis >= 0; axis--)
            {
                if (++index[axis] < dims[axis])
                {
                    break;
                }

                index[axis] = 0;
            }
        }

        return result;
    }

    /// <summary>A tensor of the same type whose element i is element sourceIndex[i] of the source (bytes copied).</summary>
    public static Tensor Take(Tensor source, long[] dims, int[] sourceIndex)
    {
        var size = source.DType.ElementSize;
        var from = source.Bytes.Span;
        var bytes = new byte[sourceIndex.Length * size];
        for (var i = 0; i < sourceIndex.Length; i++)
        {
            from.Slice(sourceIndex[i] * size, size).CopyTo(bytes.AsSpan(i * size, size));
        }

        return new Tensor(source.DType, new Shape(dims), bytes);
    }

    /// <summary>Like <see cref="Take"/>, but a source index of -1 takes <paramref name="fill"/> (a one-element tensor of the same type).</summary>
    public static Tensor TakeOrFill(Tensor source, long[] dims, int[] sourceIndex, Tensor fill)
    {
        var size = source.DType.ElementSize;
        var from = source.Bytes.Span;
        var filler = fill.Bytes.Span;
        var bytes = new byte[sourceIndex.Length * size];
        for (var i = 0; i < sourceIndex.Length; i++)
        {
            (sourceIndex[i] < 0 ? filler : from.Slice(sourceIndex[i] * size, size)).CopyTo(bytes.AsSpan(i * size, size));
        }

        return new Tensor(source.DType, new Shape(dims), bytes);
    }

    /// <summary>Splits dims around an axis: (product before, length, product after).</summary>
    public static (int Outer, int Length, int Inner) AroundAxis(long[] dims, int axis)
    {
        long outer = 1, inner = 1;
        for (var i = 0; i < axis; i++)
        {
            outer *= dims[i];
        }

        for (var i = axis + 1; i < dims.Length; i++)
        {
            inner *= dims[i];
        }

        return (checked((int)outer), checked((int)dims[axis]), checked((int)inner));
    }

    public static int Axis(long axis, int rank) => ShapeMath.Axis(axis, rank);
}
