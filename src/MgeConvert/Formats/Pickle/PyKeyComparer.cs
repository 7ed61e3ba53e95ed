using System.Numerics;
using System.Runtime.CompilerServices;

namespace MgeConvert.Formats.Pickle;

/// <summary>
/// Python dict-key semantics for reader values: numbers by value across bool/int/float, strings and bytes
/// by content, tuples element-wise, globals and slices by value, everything else by identity.
/// Lists, dicts, sets and bytearrays are unhashable, as in Python.
/// </summary>
public sealed class PyKeyComparer : IEqualityComparer<object?>
{
    public static readonly PyKeyComparer Instance = new();

    public static bool IsHashable(object? key) => key switch
    {
        PyList or PyDict or PyByteArray or PySet { IsFrozen: false } => false,
        PyTuple t => t.IsHashable,
        _ => true,
    };

    public static void RequireHashable(object? key)
    {
        if (!IsHashable(key))
        {
            throw new PickleException($"unhashable type used as a dict key or set item: {key!.GetType().Name}");
        }
    }

    public new bool Equals(object? x, object? y)
    {
        if (ReferenceEquals(x, y))
        {
            return true;
        }

        if (x is null || y is null)
        {
            return false;
        }

        if (IsNumber(x) && IsNumber(y))
        {
            return NumbersEqual(x, y);
        }

        return (x, y) switch
        {
            (string a, string b) => a == b,
            (byte[] or PyBytes, byte[] or PyBytes) => PyBytes.TryGetSpan(x, out var a) && PyBytes.TryGetSpan(y, out var b) && a.SequenceEqual(b),
            (PyTuple a, PyTuple b) => TuplesEqual(a, b, new HashSet<(PyTuple, PyTuple)>()),
            (PyGlobal a, PyGlobal b) => a == b,
            (PySlice a, PySlice b) => Equals(a.Start, b.Start) && Equals(a.Stop, b.Stop) && Equals(a.Step, b.Step),
            (PySet { IsFrozen: true } a, PySet { IsFrozen: true } b) => a.Count == b.Count && a.All(b.Contains),
            _ => false,
        };
    }

    public int GetHashCode(object? obj)
    {
        switch (obj)
        {
            case null: return 0;
            case string s: return s.GetHashCode(StringComparison.Ordinal);
            case byte[] or PyBytes:
                PyBytes.TryGetSpan(obj, out var bytes);
                var h = new HashCode();
                h.AddBytes(bytes);
                return h.ToHashCode();
            case PyTuple t:
                // Cached: tuples may share sub-tuples (a DAG), so an uncached hash could take exponential time.
                if (t.CachedHash is { } cached)
                {
                    return cached;
                }

                var th = new HashCode();
                foreach (var item in t.Items)
                {
                    th.Add(GetHashCode(item));
                }

                t.CachedHash = th.ToHashCode();
                return t.CachedHash.Value;
            case PyGlobal g: return g.GetHashCode();
            case PySlice sl: return HashCode.Combine(GetHashCode(sl.Start), GetHashCode(sl.Stop), GetHashCode(sl.Step));
            case PySet { IsFrozen: true } fs:
                fs.CachedHash ??= fs.Aggregate(fs.Count, (acc, item) => acc ^ GetHashCode(item));
                return fs.CachedHash.Value;
        }

        if (IsNumber(obj))
        {
            return NumberHash(obj);
        }

        return RuntimeHelpers.GetHashCode(obj);
    }

    private bool TuplesEqual(PyTuple a, PyTuple b, HashSet<(PyTuple, PyTuple)> equalPairs)
    {
        if (ReferenceEquals(a, b) || equalPairs.Contains((a, b)))
        {
            return true;
        }

        if (a.Count != b.Count || GetHashCode(a) != GetHashCode(b))
        {
            return false;
        }

        for (var i = 0; i < a.Count; i++)
        {
            var equal = a[i] is PyTuple x && b[i] is PyTuple y ? TuplesEqual(x, y, equalPairs) : Equals(a[i], b[i]);
            if (!equal)
            {
                return false;
            }
        }

        equalPairs.Add((a, b));
        return true;
    }

    private static bool IsNumber(object o) => o is bool or long or double or BigInteger or Complex;

    private static bool NumbersEqual(object x, object y)
    {
        if (x is Complex || y is Complex)
        {
            return ToComplex(x) == ToComplex(y);
        }

        if (x is double || y is double)
        {
            return ToDouble(x) == ToDouble(y) && (x is double && y is double || IsExactInteger(x is double dx ? dx : (double)y, x is double ? y : x));
        }

        return ToBig(x) == ToBig(y);
    }

    private static bool IsExactInteger(double d, object integer) =>
        double.IsFinite(d) && Math.Floor(d) == d && new BigInteger(d) == ToBig(integer);

    private static int NumberHash(object o)
    {
        if (o is Complex c)
        {
            return c.Imaginary == 0 ? NumberHash(c.Real) : c.GetHashCode();
        }

        if (o is double d)
        {
            if (double.IsFinite(d) && Math.Floor(d) == d)
            {
                return new BigInteger(d).GetHashCode();
            }

            return d.GetHashCode();
        }

        return ToBig(o).GetHashCode();
    }

    private static BigInteger ToBig(object o) => o switch
    {
        bool b => b ? BigInteger.One : BigInteger.Zero,
        long l => l,
        BigInteger bi => bi,
        _ => throw new InvalidOperationException(),
    };

    private static double ToDouble(object o) => o switch
    {
        double d => d,
        _ => (double)ToBig(o),
    };

    private static Complex ToComplex(object o) => o is Complex c ? c : new Complex(ToDouble(o), 0);
}
