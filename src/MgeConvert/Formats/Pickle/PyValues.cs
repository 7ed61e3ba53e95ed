using System.Numerics;

namespace MgeConvert.Formats.Pickle;

// Python values as the pickle reader produces them:
// None -> null, bool -> bool, int -> long (or BigInteger beyond 64 bits), float -> double, str -> string,
// bytes -> byte[], complex -> System.Numerics.Complex; the classes below for everything else.

/// <summary>A reference to a module attribute (class or function); never resolved or imported.</summary>
public sealed record PyGlobal(string Module, string Name)
{
    public string FullName => Module + "." + Name;

    public override string ToString() => FullName;
}

/// <summary>A Python tuple (immutable; <see cref="Depth"/> is its nesting depth).</summary>
public sealed class PyTuple(object?[] items) : IReadOnlyList<object?>
{
    public static readonly PyTuple Empty = new([]);

    public object?[] Items { get; } = items;

    public int Count => Items.Length;

    public int Depth { get; } = 1 + (items.Length == 0 ? 0 : items.Max(PyValues.DepthOf));

    /// <summary>Whether every item is hashable (tuples of lists cannot be dict keys).</summary>
    public bool IsHashable { get; } = Array.TrueForAll(items, PyKeyComparer.IsHashable);

    internal int? CachedHash { get; set; }

    public object? this[int index] => Items[index];

    public IEnumerator<object?> GetEnumerator() => ((IEnumerable<object?>)Items).GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => Items.GetEnumerator();

    public override string ToString() => PyValues.Repr(this);
}

/// <summary>A Python list.</summary>
public sealed class PyList : List<object?>
{
    public PyList()
    {
    }

    public PyList(IEnumerable<object?> items)
        : base(items)
    {
    }

    /// <summary>Nesting depth observed when items were added (a bound, not recomputed for later mutation).</summary>
    public int Depth { get; internal set; } = 1;

    public override string ToString() => PyValues.Repr(this);
}

/// <summary>
/// A bytes object the reader keeps as a view of the pickle's buffer instead of copying it: payloads of at least
/// <see cref="MinLength"/> bytes (numpy array data). Shorter bytes are byte[]; both compare and hash by content.
/// </summary>
public sealed class PyBytes(ReadOnlyMemory<byte> data)
{
    public const int MinLength = 4096;

    public ReadOnlyMemory<byte> Data { get; } = data;

    public override string ToString() => PyValues.Repr(this);

    /// <summary>The content of a bytes value (byte[] or <see cref="PyBytes"/>).</summary>
    internal static bool TryGetSpan(object? value, out ReadOnlySpan<byte> bytes)
    {
        switch (value)
        {
            case byte[] b:
                bytes = b;
                return true;
            case PyBytes view:
                bytes = view.Data.Span;
                return true;
            default:
                bytes = default;
                return false;
        }
    }
}

/// <summary>A bytearray (bytes use byte[] or <see cref="PyBytes"/>).</summary>
public sealed class PyByteArray(byte[] data)
{
    public byte[] Data { get; } = data;

    public override string ToString() => PyValues.Repr(this);
}

/// <summary>A slice(start, stop, step).</summary>
public sealed record PySlice(object? Start, object? Stop, object? Step);

/// <summary>A persistent id (PERSID/BINPERSID); the reader never resolves it.</summary>
public sealed record PyPersistentId(object? Id);

/// <summary>A set or frozenset (insertion-ordered, Python key equality).</summary>
public sealed class PySet(bool frozen) : IReadOnlyCollection<object?>
{
    private readonly List<object?> _items = [];
    private readonly HashSet<object?> _index = new(PyKeyComparer.Instance);

    public bool IsFrozen { get; } = frozen;

    public int Count => _items.Count;

    internal int? CachedHash { get; set; }

    public int Depth { get; internal set; } = 1;

    public bool Contains(object? item) => _index.Contains(item);

    public void Add(object? item)
    {
        if (_index.Add(item))
        {
            _items.Add(item);
        }
    }

    public IEnumerator<object?> GetEnumerator() => _items.GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => PyValues.Repr(this);
}

/// <summary>
/// A dict, also used for collections.OrderedDict and collections.defaultdict (see <see cref="Class"/>).
/// Keeps insertion order; keys compare with Python semantics (1 == 1.0 == True, tuples by value, objects by identity).
/// </summary>
public sealed class PyDict : IReadOnlyCollection<KeyValuePair<object?, object?>>
{
    private readonly List<KeyValuePair<object?, object?>> _entries = [];
    private readonly Dictionary<object, int> _index = new(PyKeyComparer.Instance);
    private int _noneIndex = -1;

    /// <summary>The dict subclass the pickle named (OrderedDict, defaultdict); null for a plain dict.</summary>
    public PyGlobal? Class { get; init; }

    /// <summary>defaultdict's default factory.</summary>
    public object? DefaultFactory { get; init; }

    public int Count => _entries.Count;

    public int Depth { get; internal set; } = 1;

    public IEnumerable<object?> Keys => _entries.Select(e => e.Key);

    public IEnumerable<object?> Values => _entries.Select(e => e.Value);

    public object? this[object? key]
    {
        get => TryGetValue(key, out var v) ? v : throw new KeyNotFoundException($"key {PyValues.Repr(key)} not found");
        set => Set(key, value);
    }

    public bool ContainsKey(object? key) => IndexOf(key) >= 0;

    public bool TryGetValue(object? key, out object? value)
    {
        var i = IndexOf(key);
        value = i >= 0 ? _entries[i].Value : null;
        return i >= 0;
    }

    /// <summary>The value for a string key, or null when absent.</summary>
    public object? Get(string key) => TryGetValue(key, out var v) ? v : null;

    public void Set(object? key, object? value)
    {
        var i = IndexOf(key);
        if (i >= 0)
        {
            _entries[i] = new(_entries[i].Key, value);
            return;
        }

        if (key is null)
        {
            _noneIndex = _entries.Count;
        }
        else
        {
            _index[key] = _entries.Count;
        }

        _entries.Add(new(key, value));
    }

    public IEnumerator<KeyValuePair<object?, object?>> GetEnumerator() => _entries.GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => PyValues.Repr(this);

    private int IndexOf(object? key)
    {
        if (key is null)
        {
            return _noneIndex;
        }

        PyKeyComparer.RequireHashable(key);
        return _index.TryGetValue(key, out var i) ? i : -1;
    }
}

/// <summary>How a placeholder object was created in the stream.</summary>
public enum PyConstruction
{
    /// <summary>NEWOBJ / NEWOBJ_EX: cls.__new__(cls, *args, **kwargs).</summary>
    New,

    /// <summary>REDUCE: callable(*args).</summary>
    Reduce,

    /// <summary>INST / OBJ (protocol 0/1) or copyreg._reconstructor.</summary>
    Instance,
}

/// <summary>
/// An inert placeholder for any object whose class or factory is not on the allow list: it records the
/// class path, the constructor arguments, the BUILD state and any items appended or set on it.
/// Nothing is ever called or imported.
/// </summary>
public sealed class PyObject(PyGlobal cls, PyTuple args, PyConstruction construction, PyDict? kwargs = null)
{
    public PyGlobal Class { get; } = cls;

    public PyTuple Args { get; } = args;

    public PyDict? Kwargs { get; } = kwargs;

    public PyConstruction Construction { get; } = construction;

    /// <summary>The BUILD state (null when no BUILD ran).</summary>
    public object? State { get; internal set; }

    public bool HasState { get; internal set; }

    /// <summary>Items from APPEND/APPENDS on the object (list subclasses).</summary>
    public PyList? ListItems { get; internal set; }

    /// <summary>Items from SETITEM/SETITEMS on the object (dict subclasses).</summary>
    public PyDict? DictItems { get; internal set; }

    public int Depth { get; internal set; } = 1;

    public string ClassName => Class.FullName;

    /// <summary>The instance dict: the state when it is a dict, or the dict part of a (dict, slots) tuple.</summary>
    public PyDict? Dict => State switch
    {
        PyDict d => d,
        PyTuple { Count: 2 } t => t[0] as PyDict,
        _ => null,
    };

    /// <summary>The slots dict of a (dict-or-None, slots) tuple state.</summary>
    public PyDict? Slots => State is PyTuple { Count: 2 } t ? t[1] as PyDict : null;

    /// <summary>An attribute from the instance dict or the slots; null when absent.</summary>
    public object? Attr(string name) =>
        Dict is { } d && d.TryGetValue(name, out var v) ? v : Slots is { } s && s.TryGetValue(name, out var w) ? w : null;

    public bool HasAttr(string name) => (Dict?.ContainsKey(name) ?? false) || (Slots?.ContainsKey(name) ?? false);

    public override string ToString() => $"<{ClassName} object>";
}

/// <summary>Helpers on reader values.</summary>
public static class PyValues
{
    private const int MaxCompareDepth = 2000;

    internal static int DepthOf(object? value) => value switch
    {
        PyTuple t => t.Depth,
        PyList l => l.Depth,
        PyDict d => d.Depth,
        PySet s => s.Depth,
        PyObject o => o.Depth,
        _ => 0,
    };

    /// <summary>Python truthiness of scalars (used for flags).</summary>
    public static bool IsTrue(object? value) => value switch
    {
        null => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length > 0,
        _ => true,
    };

    /// <summary>An integer value as long (bool counts as int, as in Python).</summary>
    public static bool TryGetLong(object? value, out long result)
    {
        switch (value)
        {
            case long l: result = l; return true;
            case bool b: result = b ? 1 : 0; return true;
            case BigInteger bi when bi >= long.MinValue && bi <= long.MaxValue: result = (long)bi; return true;
            default: result = 0; return false;
        }
    }

    /// <summary>A number as double.</summary>
    public static bool TryGetDouble(object? value, out double result)
    {
        switch (value)
        {
            case double d: result = d; return true;
            case long l: result = l; return true;
            case bool b: result = b ? 1 : 0; return true;
            case BigInteger bi: result = (double)bi; return true;
            default: result = 0; return false;
        }
    }

    /// <summary>
    /// Structural equality of two reader values (containers by content, placeholders by class, args and state).
    /// Cycles and sharing are handled: a pair already being compared is assumed equal.
    /// </summary>
    public static bool DeepEquals(object? a, object? b) => new DeepComparer().Equal(a, b);

    /// <summary>A short Python-like rendering (bounded: deep or long values are elided).</summary>
    public static string Repr(object? value)
    {
        var sb = new System.Text.StringBuilder();
        Render(value, sb, 0, new HashSet<object>(ReferenceEqualityComparer.Instance));
        return sb.ToString();
    }

    private static void Render(object? value, System.Text.StringBuilder sb, int depth, HashSet<object> active)
    {
        if (sb.Length > 2000)
        {
            sb.Append('…');
            return;
        }

        if (depth > 8 || (value is not null && !IsScalar(value) && active.Contains(value)))
        {
            sb.Append("...");
            return;
        }

        switch (value)
        {
            case null: sb.Append("None"); return;
            case bool b: sb.Append(b ? "True" : "False"); return;
            case string s: sb.Append('\'').Append(s.Length > 200 ? s[..200] + "…" : s).Append('\''); return;
            case double d: sb.Append(d.ToString("R", System.Globalization.CultureInfo.InvariantCulture)); return;
            case byte[] bytes: sb.Append($"b<{bytes.Length} bytes>"); return;
            case PyBytes view: sb.Append($"b<{view.Data.Length} bytes>"); return;
            case PyByteArray ba: sb.Append($"bytearray<{ba.Data.Length} bytes>"); return;
            case IFormattable f when IsScalar(value): sb.Append(f.ToString(null, System.Globalization.CultureInfo.InvariantCulture)); return;
        }

        active.Add(value);
        switch (value)
        {
            case PyTuple t: Items(t, "(", t.Count == 1 ? ",)" : ")"); break;
            case PyList l: Items(l, "[", "]"); break;
            case PySet s: Items(s, s.IsFrozen ? "frozenset({" : "{", s.IsFrozen ? "})" : "}"); break;
            case PyDict d:
                sb.Append('{');
                var n = 0;
                foreach (var (k, v) in d)
                {
                    if (n++ > 0)
                    {
                        sb.Append(", ");
                    }

                    Render(k, sb, depth + 1, active);
                    sb.Append(": ");
                    Render(v, sb, depth + 1, active);
                }

                sb.Append('}');
                break;
            default: sb.Append(value); break;
        }

        active.Remove(value);

        void Items(IEnumerable<object?> items, string open, string close)
        {
            sb.Append(open);
            var i = 0;
            foreach (var item in items)
            {
                if (i++ > 0)
                {
                    sb.Append(", ");
                }

                Render(item, sb, depth + 1, active);
            }

            sb.Append(close);
        }
    }

    private static bool IsScalar(object value) => value is bool or long or double or string or BigInteger or Complex or byte[] or PyBytes;

    private sealed class DeepComparer
    {
        private readonly HashSet<(object, object)> _assumed = new(new PairComparer());
        private int _depth;

        public bool Equal(object? a, object? b)
        {
            if (++_depth > MaxCompareDepth)
            {
                throw new PickleException($"values nested deeper than {MaxCompareDepth} levels cannot be compared");
            }

            try
            {
                return EqualCore(a, b);
            }
            finally
            {
                _depth--;
            }
        }

        private bool EqualCore(object? a, object? b)
        {
            if (ReferenceEquals(a, b))
            {
                return true;
            }

            if (a is null || b is null)
            {
                return false;
            }

            if (PyBytes.TryGetSpan(a, out var x1) && PyBytes.TryGetSpan(b, out var y1))
            {
                return x1.SequenceEqual(y1);
            }

            if (a.GetType() != b.GetType())
            {
                return false;
            }

            switch (a)
            {
                case byte[] x: return x.AsSpan().SequenceEqual((byte[])b);
                case PyByteArray x: return x.Data.AsSpan().SequenceEqual(((PyByteArray)b).Data);
                case double x: return x.Equals((double)b);
                case NpDType x:
                    var y = (NpDType)b;
                    return x.Kind == y.Kind && x.ItemSize == y.ItemSize && x.IsBigEndian == y.IsBigEndian && Equal(x.Metadata, y.Metadata);
                case PyTuple or PyList or PyDict or PySet or PyObject or NdArray:
                    if (!_assumed.Add((a, b)))
                    {
                        return true;
                    }

                    return a switch
                    {
                        PyTuple x => Seq(x, (PyTuple)b),
                        PyList x => Seq(x, (PyList)b),
                        PySet x => x.Count == ((PySet)b).Count && x.All(((PySet)b).Contains),
                        PyDict x => Dicts(x, (PyDict)b),
                        PyObject x => Objects(x, (PyObject)b),
                        NdArray x => x.Equals((NdArray)b),
                        _ => false,
                    };
                default: return a.Equals(b);
            }
        }

        private bool Seq(IReadOnlyList<object?> a, IReadOnlyList<object?> b)
        {
            if (a.Count != b.Count)
            {
                return false;
            }

            for (var i = 0; i < a.Count; i++)
            {
                if (!Equal(a[i], b[i]))
                {
                    return false;
                }
            }

            return true;
        }

        private bool Dicts(PyDict a, PyDict b)
        {
            if (a.Count != b.Count || !Equals(a.Class, b.Class))
            {
                return false;
            }

            // Keys that are objects compare by identity inside a dict, so fall back to the entry at the same position.
            var others = b.ToList();
            var index = 0;
            foreach (var (k, v) in a)
            {
                var found = b.TryGetValue(k, out var w);
                if (!found && !Equal(k, others[index].Key))
                {
                    return false;
                }

                if (!Equal(v, found ? w : others[index].Value))
                {
                    return false;
                }

                index++;
            }

            return true;
        }

        private bool Objects(PyObject a, PyObject b) =>
            a.Class == b.Class && a.Construction == b.Construction && Equal(a.Args, b.Args) && Equal(a.Kwargs, b.Kwargs)
            && a.HasState == b.HasState && Equal(a.State, b.State) && Equal(a.ListItems, b.ListItems) && Equal(a.DictItems, b.DictItems);
    }

    private sealed class PairComparer : IEqualityComparer<(object, object)>
    {
        public bool Equals((object, object) x, (object, object) y) => ReferenceEquals(x.Item1, y.Item1) && ReferenceEquals(x.Item2, y.Item2);

        public int GetHashCode((object, object) obj) =>
            HashCode.Combine(System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(obj.Item1), System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(obj.Item2));
    }
}
