using System.Collections;

namespace MgeConvert.Ir;

/// <summary>A tensor shape. A dimension of -1 is unknown; <see cref="Unknown"/> has unknown rank.</summary>
public sealed class Shape : IEquatable<Shape>, IReadOnlyList<long>
{
    private readonly long[]? _dims;

    public Shape(params long[] dims)
    {
        foreach (var d in dims)
        {
            if (d < -1)
            {
                throw new IrException($"invalid dimension {d}");
            }
        }

        _dims = dims;
    }

    private Shape()
    {
        _dims = null;
    }

    public static Shape Unknown { get; } = new();

    public static Shape Scalar { get; } = new(Array.Empty<long>());

    public bool HasRank => _dims is not null;

    public int Rank => _dims?.Length ?? throw new IrException("shape has unknown rank");

    public bool IsStatic => _dims is not null && Array.TrueForAll(_dims, d => d >= 0);

    public int Count => Rank;

    public long this[int index] => _dims![index < 0 ? index + _dims.Length : index];

    /// <summary>Number of elements; only for static shapes.</summary>
    public long ElementCount
    {
        get
        {
            if (!IsStatic)
            {
                throw new InvalidOperationException($"shape {this} is not static");
            }

            long n = 1;
            foreach (var d in _dims!)
            {
                n = d == 0 || n <= long.MaxValue / d ? n * d : throw new IrException($"shape {this} has more than {long.MaxValue} elements");
            }

            return n;
        }
    }

    public long[] ToArray() => _dims is null ? throw new IrException("shape has unknown rank") : (long[])_dims.Clone();

    public int[] ToIntArray() => Array.ConvertAll(ToArray(), d => checked((int)d));

    public static Shape Of(params int[] dims) => new(Array.ConvertAll(dims, d => (long)d));

    public Shape With(int axis, long value)
    {
        var d = ToArray();
        d[axis < 0 ? axis + d.Length : axis] = value;
        return new Shape(d);
    }

    public bool Equals(Shape? other) =>
        other is not null && (_dims is null ? other._dims is null : other._dims is not null && _dims.AsSpan().SequenceEqual(other._dims));

    public override bool Equals(object? obj) => Equals(obj as Shape);

    public override int GetHashCode()
    {
        var h = new HashCode();
        if (_dims is not null)
        {
            foreach (var d in _dims)
            {
                h.Add(d);
            }
        }

        return h.ToHashCode();
    }

    public IEnumerator<long> GetEnumerator() => ((IEnumerable<long>)(_dims ?? throw new IrException("shape has unknown rank"))).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() =>
        _dims is null ? "[?]" : "[" + string.Join(",", Array.ConvertAll(_dims, d => d < 0 ? "?" : d.ToString(System.Globalization.CultureInfo.InvariantCulture))) + "]";
}

/// <summary>Element type plus shape of a value.</summary>
public sealed record TensorType(DataType DType, Shape Shape)
{
    public override string ToString() => $"{DType}{Shape}";
}
