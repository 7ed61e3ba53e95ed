using MgeConvert.Ir;

namespace MgeConvert.Formats.Pickle;

/// <summary>
/// A numpy array read from a pickle (ndarray via _reconstruct + BUILD, protocol-5 _frombuffer, or a numpy scalar).
/// <see cref="Data"/> is the raw element data in the stored order and byte order.
/// </summary>
public sealed class NdArray : IEquatable<NdArray>
{
    internal NdArray(PyGlobal arrayClass)
    {
        ArrayClass = arrayClass;
        DType = new NpDType("f8");
        Shape = [0];
    }

    public NdArray(NpDType dtype, long[] shape, ReadOnlyMemory<byte> data, bool fortranOrder = false, bool isScalar = false)
    {
        ArrayClass = new PyGlobal("numpy", "ndarray");
        Set(dtype, shape, data, fortranOrder);
        IsScalar = isScalar;
        IsInitialized = true;
    }

    /// <summary>numpy.ndarray, or the subclass the pickle named.</summary>
    public PyGlobal ArrayClass { get; }

    public NpDType DType { get; private set; } = null!;

    public long[] Shape { get; private set; } = [];

    public ReadOnlyMemory<byte> Data { get; private set; }

    public bool FortranOrder { get; private set; }

    /// <summary>A numpy scalar (numpy.core.multiarray.scalar) rather than an array.</summary>
    public bool IsScalar { get; }

    /// <summary>False for a _reconstruct shell whose BUILD has not run.</summary>
    public bool IsInitialized { get; private set; }

    public long ElementCount => Shape.Aggregate(1L, (p, d) => checked(p * d));

    /// <summary>The array as an IR tensor: C order, little-endian, with the dtype's quantization parameters.</summary>
    public Tensor ToTensor() => ToTensor(DType.ToDataType());

    public Tensor ToTensor(DataType dtype)
    {
        if (!IsInitialized)
        {
            throw new PickleException("numpy array was never given its data (no BUILD)");
        }

        var size = DType.ItemSize;
        var bytes = Data;
        if (DType.IsBigEndian)
        {
            var swapped = bytes.ToArray();
            for (var i = 0; i < swapped.Length; i += size)
            {
                swapped.AsSpan(i, size).Reverse();
            }

            bytes = swapped;
        }

        if (FortranOrder && Shape.Length > 1)
        {
            bytes = FortranToC(bytes.Span, Shape, size);
        }

        return new Tensor(dtype, new Ir.Shape(Shape), bytes);
    }

    public bool Equals(NdArray? other) =>
        other is not null && PyValues.DeepEquals(DType, other.DType) && Shape.AsSpan().SequenceEqual(other.Shape)
        && FortranOrder == other.FortranOrder && Data.Span.SequenceEqual(other.Data.Span) && IsScalar == other.IsScalar;

    public override bool Equals(object? obj) => Equals(obj as NdArray);

    public override int GetHashCode() => HashCode.Combine(DType.Code, Shape.Length, Data.Length);

    public override string ToString() => $"ndarray({DType}, shape=({string.Join(",", Shape)}))";

    /// <summary>Fills a _reconstruct shell from its BUILD state (version, shape, dtype, is_fortran, raw data).</summary>
    internal void ApplyState(object? state)
    {
        if (state is not PyTuple t || t.Count is not (4 or 5))
        {
            throw new PickleException($"numpy array: expected a 5-tuple BUILD state, got {PyValues.Repr(state)}");
        }

        var offset = t.Count - 4;
        var shape = ParseShape(t[offset]);
        var dtype = t[offset + 1] as NpDType ?? throw new PickleException($"numpy array: state holds no dtype but {PyValues.Repr(t[offset + 1])}");
        var fortran = PyValues.IsTrue(t[offset + 2]);
        ReadOnlyMemory<byte> data = t[offset + 3] switch
        {
            byte[] b => b,
            PyBytes view => view.Data,
            PyByteArray ba => ba.Data,
            string s when s.All(ch => ch <= 0xff) => s.Select(ch => (byte)ch).ToArray(),
            PyList => throw new PickleException($"numpy array of dtype {dtype} holds Python objects, not raw data"),
            var other => throw new PickleException($"numpy array: expected raw bytes, got {PyValues.Repr(other)}"),
        };
        Set(dtype, shape, data, fortran);
        IsInitialized = true;
    }

    internal static long[] ParseShape(object? value)
    {
        if (PyValues.TryGetLong(value, out var single))
        {
            return single >= 0 ? [single] : throw new PickleException($"negative array dimension {single}");
        }

        if (value is not PyTuple and not PyList)
        {
            throw new PickleException($"numpy array: expected a shape tuple, got {PyValues.Repr(value)}");
        }

        var items = ((IEnumerable<object?>)value).ToArray();
        if (items.Length > 64)
        {
            throw new PickleException($"numpy array of rank {items.Length}: rank above 64");
        }

        return [.. items.Select(d => PyValues.TryGetLong(d, out var v) && v >= 0 ? v : throw new PickleException($"bad array dimension {PyValues.Repr(d)}"))];
    }

    private void Set(NpDType dtype, long[] shape, ReadOnlyMemory<byte> data, bool fortran)
    {
        long count = 1;
        foreach (var d in shape)
        {
            count = d == 0 ? 0 : count > long.MaxValue / Math.Max(d, 1) ? throw new PickleException($"numpy array shape ({string.Join(",", shape)}) overflows") : count * d;
        }

        if (dtype.Kind == 'O')
        {
            throw new PickleException("numpy arrays of Python objects are not supported");
        }

        if (count > data.Length || count * dtype.ItemSize != data.Length)
        {
            throw new PickleException($"numpy array of {dtype} shape ({string.Join(",", shape)}) needs {(count <= data.Length ? count * dtype.ItemSize : count)}{(count <= data.Length ? "" : " elements")} bytes of data, the pickle holds {data.Length}");
        }

        DType = dtype;
        Shape = shape;
        Data = data;
        FortranOrder = fortran;
    }

    private static byte[] FortranToC(ReadOnlySpan<byte> src, long[] shape, int size)
    {
        var rank = shape.Length;
        var total = (int)shape.Aggregate(1L, (p, d) => p * d);
        var result = new byte[total * size];
        var index = new long[rank];
        var fStrides = new long[rank];
        long stride = 1;
        for (var d = 0; d < rank; d++)
        {
            fStrides[d] = stride;
            stride *= shape[d];
        }

        for (var c = 0; c < total; c++)
        {
            long f = 0;
            for (var d = 0; d < rank; d++)
            {
                f += index[d] * fStrides[d];
            }

            src.Slice((int)(f * size), size).CopyTo(result.AsSpan(c * size, size));
            for (var d = rank - 1; d >= 0; d--)
            {
                if (++index[d] < shape[d])
                {
                    break;
                }

                index[d] = 0;
            }
        }

        return result;
    }
}
