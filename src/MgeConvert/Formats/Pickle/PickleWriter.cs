using System.Buffers.Binary;
using System.Numerics;
using System.Text;
using static MgeConvert.Formats.Pickle.PickleOpcodes;

namespace MgeConvert.Formats.Pickle;

/// <summary>
/// Writes reader values (<see cref="PyValues"/>) as a pickle, protocols 2–5, the way CPython lays them out:
/// containers and objects are memoized when created and their contents written afterwards, so shared and
/// cyclic object graphs (TracedModule node/expr cycles) round-trip. numpy arrays use the _reconstruct
/// layout, which every numpy version loads.
/// </summary>
public sealed class PickleWriter
{
    private readonly Stream _out;
    private readonly int _protocol;
    private readonly Dictionary<object, int> _memo = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<PyGlobal, int> _globals = [];
    private int _nextId;

    private PickleWriter(Stream output, int protocol)
    {
        if (protocol is < 2 or > 5)
        {
            throw new ArgumentOutOfRangeException(nameof(protocol), protocol, "protocols 2-5 are supported");
        }

        _out = output;
        _protocol = protocol;
    }

    public static void Write(Stream output, object? value, int protocol = 4)
    {
        var w = new PickleWriter(output, protocol);
        w.Op(Proto);
        w.Byte((byte)protocol);
        w.Save(value);
        w.Op(Stop);
    }

    public static byte[] Serialize(object? value, int protocol = 4)
    {
        using var ms = new MemoryStream();
        Write(ms, value, protocol);
        return ms.ToArray();
    }

    private void Save(object? value)
    {
        if (value is not null && _memo.TryGetValue(value, out var id) && !IsAtom(value))
        {
            Get(id);
            return;
        }

        switch (value)
        {
            case null: Op(None); break;
            case bool b: Op(b ? NewTrue : NewFalse); break;
            case long l: SaveInt(l); break;
            case int i: SaveInt(i); break;
            case BigInteger bi: SaveBig(bi); break;
            case double d:
                Op(BinFloat);
                Span<byte> f = stackalloc byte[8];
                BinaryPrimitives.WriteDoubleBigEndian(f, d);
                _out.Write(f);
                break;
            case string s: SaveString(s); break;
            case byte[] bytes: SaveBytes(bytes, bytes); break;
            case PyBytes view: SaveBytes(view.Data.Span, view); break;
            case PyByteArray ba: SaveByteArray(ba); break;
            case Complex c: SaveReduce(new PyGlobal("builtins", "complex"), () => SaveTupleOf(c.Real, c.Imaginary)); break;
            case PyTuple t: SaveTuple(t); break;
            case PyList list: SaveList(list); break;
            case PyDict dict: SaveDict(dict); break;
            case PySet set: SaveSet(set); break;
            case PySlice sl: SaveReduce(new PyGlobal("builtins", "slice"), () => SaveTupleOf(sl.Start, sl.Stop, sl.Step)); break;
            case PyGlobal g: SaveGlobal(g); break;
            case PyObject obj: SaveObject(obj); break;
            case NdArray array: SaveArray(array); break;
            case NpDType dtype: SaveDType(dtype); break;
            case PyPersistentId pid:
                Save(pid.Id);
                Op(BinPersId);
                break;
            default:
                throw new ArgumentException($"cannot pickle a {value.GetType().Name}");
        }
    }

    private static bool IsAtom(object value) => value is bool or long or int or double or BigInteger or Complex or PyGlobal;

    private void SaveInt(long v)
    {
        if (v is >= 0 and <= 0xff)
        {
            Op(BinInt1);
            Byte((byte)v);
        }
        else if (v is >= 0 and <= 0xffff)
        {
            Op(BinInt2);
            Span<byte> b = stackalloc byte[2];
            BinaryPrimitives.WriteUInt16LittleEndian(b, (ushort)v);
            _out.Write(b);
        }
        else if (v is >= int.MinValue and <= int.MaxValue)
        {
            Op(BinInt);
            Int32((int)v);
        }
        else
        {
            SaveBig(v);
        }
    }

    private void SaveBig(BigInteger v)
    {
        var bytes = v.IsZero ? [] : v.ToByteArray(isUnsigned: false, isBigEndian: false);
        if (bytes.Length < 256)
        {
            Op(Long1);
            Byte((byte)bytes.Length);
        }
        else
        {
            Op(Long4);
            Int32(bytes.Length);
        }

        _out.Write(bytes);
    }

    private void SaveString(string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        if (bytes.Length < 256 && _protocol >= 4)
        {
            Op(ShortBinUnicode);
            Byte((byte)bytes.Length);
        }
        else if ((uint)bytes.Length <= uint.MaxValue)
        {
            Op(BinUnicode);
            Int32(bytes.Length);
        }

        _out.Write(bytes);
        Memoize(s);
    }

    /// <summary><paramref name="identity"/> is the memo key: the bytes object, or a fresh key for bytes nothing else refers to.</summary>
    private void SaveBytes(ReadOnlySpan<byte> bytes, object identity)
    {
        if (_protocol < 3)
        {
            // Protocol 2 has no bytes opcode: CPython writes _codecs.encode(latin1_text, 'latin1').
            var text = Encoding.Latin1.GetString(bytes);
            SaveReduce(new PyGlobal("_codecs", "encode"), () => SaveTupleOf(text, "latin1"));
            Memoize(identity);
            return;
        }

        if (bytes.Length < 256)
        {
            Op(ShortBinBytes);
            Byte((byte)bytes.Length);
        }
        else
        {
            Op(BinBytes);
            Int32(bytes.Length);
        }

        _out.Write(bytes);
        Memoize(identity);
    }

    private void SaveByteArray(PyByteArray ba)
    {
        if (_protocol >= 5)
        {
            Op(ByteArray8);
            Int64(ba.Data.Length);
            _out.Write(ba.Data);
            Memoize(ba);
            return;
        }

        SaveReduce(new PyGlobal("builtins", "bytearray"), () => SaveTupleOf(ba.Data));
        Memoize(ba);
    }

    private void SaveTuple(PyTuple t)
    {
        if (t.Count == 0)
        {
            Op(EmptyTuple);
            return;
        }

        if (t.Count <= 3)
        {
            foreach (var item in t.Items)
            {
                Save(item);
            }

            if (_memo.TryGetValue(t, out var id))
            {
                // The tuple was memoized while its items were written (a cycle through a mutable item).
                for (var i = 0; i < t.Count; i++)
                {
                    Op(PickleOpcodes.Pop);
                }

                Get(id);
                return;
            }

            Op((byte)(Tuple1 + t.Count - 1));
        }
        else
        {
            Op(Mark);
            foreach (var item in t.Items)
            {
                Save(item);
            }

            if (_memo.TryGetValue(t, out var id))
            {
                Op(PopMark);
                Get(id);
                return;
            }

            Op(PickleOpcodes.Tuple);
        }

        Memoize(t);
    }

    private void SaveTupleOf(params object?[] items) => SaveTuple(new PyTuple(items));

    private void SaveList(PyList list)
    {
        Op(EmptyList);
        Memoize(list);
        Batched(list, Append, Appends);
    }

    private void Batched(IReadOnlyList<object?> items, byte single, byte many)
    {
        for (var start = 0; start < items.Count; start += 1000)
        {
            var n = Math.Min(1000, items.Count - start);
            if (n == 1)
            {
                Save(items[start]);
                Op(single);
                continue;
            }

            Op(Mark);
            for (var i = start; i < start + n; i++)
            {
                Save(items[i]);
            }

            Op(many);
        }
    }

    private void SaveDict(PyDict dict)
    {
        if (dict.Class is { } cls)
        {
            // OrderedDict / defaultdict: REDUCE(cls, args) then SETITEMS, as CPython writes them.
            SaveGlobal(cls);
            if (dict.DefaultFactory is not null || cls.Name == "defaultdict")
            {
                SaveTupleOf(dict.DefaultFactory);
            }
            else
            {
                Op(EmptyTuple);
            }

            Op(Reduce);
        }
        else
        {
            Op(EmptyDict);
        }

        Memoize(dict);
        SaveItems(dict);
    }

    private void SaveItems(PyDict dict)
    {
        var entries = dict.ToList();
        for (var start = 0; start < entries.Count; start += 1000)
        {
            var n = Math.Min(1000, entries.Count - start);
            if (n == 1)
            {
                Save(entries[start].Key);
                Save(entries[start].Value);
                Op(SetItem);
                continue;
            }

            Op(Mark);
            for (var i = start; i < start + n; i++)
            {
                Save(entries[i].Key);
                Save(entries[i].Value);
            }

            Op(SetItems);
        }
    }

    private void SaveSet(PySet set)
    {
        if (_protocol < 4)
        {
            SaveReduce(new PyGlobal("builtins", set.IsFrozen ? "frozenset" : "set"), () => SaveTupleOf(new PyList(set)));
            Memoize(set);
            return;
        }

        if (set.IsFrozen)
        {
            Op(Mark);
            foreach (var item in set)
            {
                Save(item);
            }

            Op(FrozenSet);
            Memoize(set);
            return;
        }

        Op(EmptySet);
        Memoize(set);
        var items = set.ToList();
        for (var start = 0; start < items.Count; start += 1000)
        {
            Op(Mark);
            foreach (var item in items.Skip(start).Take(1000))
            {
                Save(item);
            }

            Op(AddItems);
        }
    }

    private void SaveGlobal(PyGlobal g)
    {
        if (_globals.TryGetValue(g, out var id))
        {
            Get(id);
            return;
        }

        if (_protocol >= 4)
        {
            SaveString(g.Module);
            SaveString(g.Name);
            Op(StackGlobal);
        }
        else
        {
            Op(PickleOpcodes.Global);
            var module = _protocol < 3 && g.Module == "builtins" ? "__builtin__" : g.Module;
            _out.Write(Encoding.UTF8.GetBytes(module + "\n" + g.Name + "\n"));
        }

        _globals[g] = _nextId;
        Memoize(g);
    }

    private void SaveReduce(PyGlobal fn, Action saveArgs)
    {
        SaveGlobal(fn);
        saveArgs();
        Op(Reduce);
    }

    private void SaveObject(PyObject obj)
    {
        SaveGlobal(obj.Class);
        if (obj.Construction == PyConstruction.New && obj.Kwargs is { Count: > 0 } kwargs && _protocol >= 4)
        {
            Save(obj.Args);
            Save(kwargs);
            Op(NewObjEx);
        }
        else
        {
            Save(obj.Args);
            Op(obj.Construction == PyConstruction.New ? NewObj : Reduce);
        }

        Memoize(obj);
        if (obj.ListItems is { Count: > 0 } items)
        {
            Batched(items, Append, Appends);
        }

        if (obj.DictItems is { Count: > 0 } dictItems)
        {
            SaveItems(dictItems);
        }

        if (obj.HasState)
        {
            Save(obj.State);
            Op(Build);
        }
    }

    private void SaveArray(NdArray array)
    {
        if (array.IsScalar)
        {
            SaveReduce(new PyGlobal("numpy.core.multiarray", "scalar"), () => SaveTupleOf(array.DType, array.Data.ToArray()));
            Memoize(array);
            return;
        }

        SaveReduce(new PyGlobal("numpy.core.multiarray", "_reconstruct"),
            () => SaveTupleOf(array.ArrayClass, new PyTuple([0L]), new byte[] { (byte)'b' }));
        Memoize(array);
        Op(Mark);
        Save(1L);
        Save(new PyTuple([.. array.Shape.Select(d => (object?)d)]));
        Save(array.DType);
        Save(array.FortranOrder);
        SaveBytes(array.Data.Span, new object());
        Op(PickleOpcodes.Tuple);
        Op(Build);
    }

    private void SaveDType(NpDType dtype)
    {
        var code = $"{dtype.Kind}{(dtype.Kind == 'U' ? dtype.ItemSize / 4 : dtype.ItemSize)}";
        SaveReduce(new PyGlobal("numpy", "dtype"), () => SaveTupleOf(code, false, true));
        Memoize(dtype);
        var endian = dtype.ItemSize <= 1 ? "|" : dtype.IsBigEndian ? ">" : "<";
        object?[] state = dtype.Metadata is { } meta
            ? [4L, endian, null, null, null, -1L, -1L, 0L, meta]
            : [3L, endian, null, null, null, -1L, -1L, 0L];
        SaveTuple(new PyTuple(state));
        Op(Build);
    }

    private void Memoize(object value)
    {
        var id = _nextId++;
        if (value is not PyGlobal)
        {
            _memo.TryAdd(value, id);
        }

        if (_protocol >= 4)
        {
            Op(PickleOpcodes.Memoize);
        }
        else if (id < 256)
        {
            Op(BinPut);
            Byte((byte)id);
        }
        else
        {
            Op(LongBinPut);
            Int32(id);
        }
    }

    private void Get(int id)
    {
        if (id < 256)
        {
            Op(BinGet);
            Byte((byte)id);
        }
        else
        {
            Op(LongBinGet);
            Int32(id);
        }
    }

    private void Op(byte op) => _out.WriteByte(op);

    private void Byte(byte b) => _out.WriteByte(b);

    private void Int32(int v)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(b, v);
        _out.Write(b);
    }

    private void Int64(long v)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(b, v);
        _out.Write(b);
    }
}
