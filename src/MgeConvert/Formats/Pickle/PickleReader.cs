using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Text;
using static MgeConvert.Formats.Pickle.PickleOpcodes;

namespace MgeConvert.Formats.Pickle;

/// <summary>Limits that keep a hostile pickle from exhausting time, memory or the stack.</summary>
public sealed record PickleLimits
{
    /// <summary>Deepest nesting of tuples and sets (hashed and compared recursively).</summary>
    public int MaxDepth { get; init; } = 1000;

    /// <summary>
    /// Deepest nesting of lists, dicts and objects, and of MARKs (never hashed; a TracedModule nests a few levels
    /// per op along its longest chain of ops).
    /// </summary>
    public int MaxContainerDepth { get; init; } = 1000;

    /// <summary>Allocation budget (element slots + copied bytes) per byte of input.</summary>
    public int AllocationsPerInputByte { get; init; } = 16;

    /// <summary>Allocation budget independent of the input size.</summary>
    public long BaseAllocations { get; init; } = 1 << 20;
}

/// <summary>
/// Reads a pickle stream (protocols 0–5) into inert values (<see cref="PyValues"/>). Nothing is ever imported
/// or called: globals become <see cref="PyGlobal"/> references, allow-listed constructors (builtin containers,
/// OrderedDict, numpy arrays and dtypes) are evaluated by the reader itself and everything else becomes a
/// <see cref="PyObject"/> placeholder. All failures are one <see cref="ModelFormatException"/> with the offset.
/// </summary>
public sealed class PickleReader
{
    private readonly ReadOnlyMemory<byte> _data;
    private readonly string _file;
    private readonly PickleLimits _limits;
    private readonly List<object?> _stack = [];
    private readonly List<int> _marks = [];
    private readonly Dictionary<long, object?> _memo = [];
    private readonly long _budget;
    private long _allocated;
    private int _pos;
    private int _opStart;

    private PickleReader(ReadOnlyMemory<byte> data, string file, PickleLimits limits)
    {
        _data = data;
        _file = file;
        _limits = limits;
        _budget = limits.BaseAllocations + ((long)data.Length * limits.AllocationsPerInputByte);
    }

    /// <summary>The protocol from the PROTO opcode (0 when absent).</summary>
    public int Protocol { get; private set; }

    /// <summary>Every global the stream referenced, in first-seen order.</summary>
    public List<PyGlobal> GlobalsSeen { get; } = [];

    /// <summary>Offset just past the STOP opcode.</summary>
    public int EndOffset => _pos;

    /// <summary>Reads one pickle from <paramref name="data"/>; byte arrays in the result may slice it.</summary>
    public static object? Load(ReadOnlyMemory<byte> data, string file = "<pickle>", PickleLimits? limits = null) =>
        Open(data, file, limits).Result;

    /// <summary>Reads one pickle and returns the reader (for <see cref="Protocol"/> and <see cref="GlobalsSeen"/>).</summary>
    public static (object? Result, PickleReader Reader) Open(ReadOnlyMemory<byte> data, string file = "<pickle>", PickleLimits? limits = null)
    {
        var reader = new PickleReader(data, file, limits ?? new PickleLimits());
        return (reader.Run(), reader);
    }

    private object? Run()
    {
        try
        {
            return Execute();
        }
        catch (PickleException e)
        {
            throw new ModelFormatException(_file, "pickle: " + e.Message, _opStart);
        }
        catch (OverflowException e)
        {
            throw new ModelFormatException(_file, "pickle: value out of range: " + e.Message, _opStart);
        }
    }

    private object? Execute()
    {
        var span = _data.Span;
        if (span.Length == 0)
        {
            throw new PickleException("empty file, expected a pickle stream");
        }

        while (true)
        {
            _opStart = _pos;
            if (_pos >= span.Length)
            {
                throw new PickleException($"truncated: the stream ends at byte {span.Length} without a STOP opcode");
            }

            var op = span[_pos++];
            switch (op)
            {
                case Proto:
                    Protocol = ReadByte();
                    if (Protocol > 5)
                    {
                        throw new PickleException($"unsupported pickle protocol {Protocol} (expected 0-5)");
                    }

                    break;
                case Frame:
                    // The frame length is only a buffering hint; CPython writes large payloads outside frames.
                    var frameLength = ReadUInt64();
                    if (frameLength > (ulong)(span.Length - _pos))
                    {
                        throw new PickleException($"truncated: FRAME announces {frameLength} bytes, only {span.Length - _pos} remain");
                    }

                    break;
                case Stop:
                    if (_marks.Count > 0 && _stack.Count == _marks[^1])
                    {
                        throw new PickleException("STOP with an unclosed MARK and nothing to return");
                    }

                    return Pop();
                case Mark:
                    if (_marks.Count >= _limits.MaxContainerDepth)
                    {
                        throw new PickleException($"nesting deeper than {_limits.MaxContainerDepth} MARKs");
                    }

                    _marks.Add(_stack.Count);
                    break;
                case PickleOpcodes.Pop:
                    if (_marks.Count > 0 && _marks[^1] == _stack.Count)
                    {
                        PopToMark();
                    }
                    else
                    {
                        Pop();
                    }

                    break;
                case PopMark:
                    PopToMark();
                    break;
                case Dup:
                    Push(Peek());
                    break;
                case PickleOpcodes.None:
                    Push(null);
                    break;
                case NewTrue:
                    Push(true);
                    break;
                case NewFalse:
                    Push(false);
                    break;
                case BinInt1:
                    Push((long)ReadByte());
                    break;
                case BinInt2:
                    Push((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(2)));
                    break;
                case BinInt:
                    Push((long)BinaryPrimitives.ReadInt32LittleEndian(Take(4)));
                    break;
                case Long1:
                    Push(DecodeLong(Take(ReadByte())));
                    break;
                case Long4:
                    Push(DecodeLong(Take(ReadLength(4))));
                    break;
                case Int:
                    Push(ParseTextInt(ReadLine()));
                    break;
                case PickleOpcodes.Long:
                    Push(ParseTextInt(ReadLine().TrimEnd('L')));
                    break;
                case PickleOpcodes.Float:
                    Push(double.TryParse(ReadLine(), NumberStyles.Float, CultureInfo.InvariantCulture, out var f) ? f : throw new PickleException("FLOAT: bad number"));
                    break;
                case BinFloat:
                    Push(BinaryPrimitives.ReadDoubleBigEndian(Take(8)));
                    break;
                case ShortBinUnicode:
                    Push(ReadUtf8(ReadByte()));
                    break;
                case BinUnicode:
                    Push(ReadUtf8(ReadLength(4)));
                    break;
                case BinUnicode8:
                    Push(ReadUtf8(ReadLength(8)));
                    break;
                case Unicode:
                    Push(DecodeRawUnicodeEscape(ReadLine()));
                    break;
                case ShortBinBytes:
                    Push(ReadBytes(ReadByte()));
                    break;
                case BinBytes:
                    Push(ReadBytesOrView(ReadLength(4)));
                    break;
                case BinBytes8:
                    Push(ReadBytesOrView(ReadLength(8)));
                    break;
                case ByteArray8:
                    Push(new PyByteArray(ReadBytes(ReadLength(8))));
                    break;
                case ShortBinString:
                    Push(Latin1(Take(ReadByte())));
                    break;
                case BinString:
                    Push(Latin1(Take(ReadLength(4))));
                    break;
                case PickleOpcodes.String:
                    Push(ParseQuotedString(ReadLine()));
                    break;
                case NextBuffer:
                case ReadOnlyBuffer:
                    throw new PickleException("out-of-band buffers (protocol 5 NEXT_BUFFER/READONLY_BUFFER) are not supported: the pickle was written with a buffer_callback");
                case EmptyTuple:
                    Push(PyTuple.Empty);
                    break;
                case Tuple1:
                case Tuple2:
                case Tuple3:
                    var n = op - Tuple1 + 1;
                    RequireStack(n);
                    var small = _stack.GetRange(_stack.Count - n, n).ToArray();
                    _stack.RemoveRange(_stack.Count - n, n);
                    Push(MakeTuple(small));
                    break;
                case PickleOpcodes.Tuple:
                    Push(MakeTuple([.. PopToMark()]));
                    break;
                case EmptyList:
                    Charge(1);
                    Push(new PyList());
                    break;
                case PickleOpcodes.List:
                    var list = new PyList();
                    AddAll(list, PopToMark());
                    Push(list);
                    break;
                case EmptyDict:
                    Charge(1);
                    Push(new PyDict());
                    break;
                case PickleOpcodes.Dict:
                    var dict = new PyDict();
                    SetAll(dict, PopToMark());
                    Push(dict);
                    break;
                case EmptySet:
                    Charge(1);
                    Push(new PySet(false));
                    break;
                case FrozenSet:
                    var frozen = new PySet(true);
                    foreach (var item in PopToMark())
                    {
                        Charge(1);
                        frozen.Add(item);
                    }

                    Push(frozen);
                    break;
                case Append:
                    var appended = Pop();
                    AddAll(Peek(), [appended]);
                    break;
                case Appends:
                    var items = PopToMark();
                    AddAll(Peek(), items);
                    break;
                case SetItem:
                    var value = Pop();
                    var key = Pop();
                    SetAll(Peek(), [key, value]);
                    break;
                case SetItems:
                    var pairs = PopToMark();
                    SetAll(Peek(), pairs);
                    break;
                case AddItems:
                    var setItems = PopToMark();
                    if (Peek() is not PySet { IsFrozen: false } target)
                    {
                        throw new PickleException($"ADDITEMS on {Describe(Peek())}, expected a set");
                    }

                    foreach (var item in setItems)
                    {
                        Charge(1);
                        target.Add(item);
                        target.Depth = Math.Max(target.Depth, CheckDepth(1 + PyValues.DepthOf(item)));
                    }

                    break;
                case Memoize:
                    StoreMemo(_memo.Count);
                    break;
                case BinPut:
                    StoreMemo(ReadByte());
                    break;
                case LongBinPut:
                    StoreMemo(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)));
                    break;
                case Put:
                    StoreMemo(ParseMemoIndex(ReadLine()));
                    break;
                case BinGet:
                    Push(LoadMemo(ReadByte()));
                    break;
                case LongBinGet:
                    Push(LoadMemo(BinaryPrimitives.ReadUInt32LittleEndian(Take(4))));
                    break;
                case Get:
                    Push(LoadMemo(ParseMemoIndex(ReadLine())));
                    break;
                case PickleOpcodes.Global:
                    var module = ReadLine();
                    var name = ReadLine();
                    Push(MakeGlobal(module, name));
                    break;
                case StackGlobal:
                    var qualname = Pop();
                    var mod = Pop();
                    if (mod is not string m2 || qualname is not string n2)
                    {
                        throw new PickleException($"STACK_GLOBAL needs two strings, got {Describe(mod)} and {Describe(qualname)}");
                    }

                    Push(MakeGlobal(m2, n2));
                    break;
                case Reduce:
                    var reduceArgs = Pop();
                    var callable = Pop();
                    Push(PickleConstructors.Call(callable, AsArgs(reduceArgs, "REDUCE"), null, PyConstruction.Reduce, this));
                    break;
                case NewObj:
                    var newArgs = Pop();
                    var cls = Pop();
                    Push(PickleConstructors.Call(cls, AsArgs(newArgs, "NEWOBJ"), null, PyConstruction.New, this));
                    break;
                case NewObjEx:
                    var kwargs = Pop();
                    var exArgs = Pop();
                    var exCls = Pop();
                    Push(PickleConstructors.Call(exCls, AsArgs(exArgs, "NEWOBJ_EX"),
                        kwargs as PyDict ?? throw new PickleException($"NEWOBJ_EX kwargs must be a dict, got {Describe(kwargs)}"), PyConstruction.New, this));
                    break;
                case Inst:
                    var instCls = MakeGlobal(ReadLine(), ReadLine());
                    Push(PickleConstructors.Call(instCls, MakeTuple([.. PopToMark()]), null, PyConstruction.Instance, this));
                    break;
                case Obj:
                    var objItems = PopToMark();
                    if (objItems.Count == 0)
                    {
                        throw new PickleException("OBJ without a class");
                    }

                    Push(PickleConstructors.Call(objItems[0], MakeTuple([.. objItems.Skip(1)]), null, PyConstruction.Instance, this));
                    break;
                case Build:
                    var state = Pop();
                    PickleConstructors.Build(Peek(), state, this);
                    break;
                case PersId:
                    Push(new PyPersistentId(ReadLine()));
                    break;
                case BinPersId:
                    Push(new PyPersistentId(Pop()));
                    break;
                case Ext1:
                case Ext2:
                case Ext4:
                    throw new PickleException("extension-registry opcodes (EXT1/EXT2/EXT4) are not supported");
                default:
                    throw new PickleException($"unknown opcode 0x{op:x2}");
            }
        }
    }

    internal void Charge(long units)
    {
        _allocated += units;
        if (_allocated > _budget)
        {
            throw new PickleException($"the pickle asks for more than {_budget} allocation units, far more than its {_data.Length} bytes can describe");
        }
    }

    internal int CheckDepth(int depth) =>
        depth > _limits.MaxDepth ? throw new PickleException($"values nested deeper than {_limits.MaxDepth} levels") : depth;

    internal int CheckContainerDepth(int depth) =>
        depth > _limits.MaxContainerDepth ? throw new PickleException($"values nested deeper than {_limits.MaxContainerDepth} levels") : depth;

    internal PyTuple MakeTuple(object?[] items)
    {
        Charge(items.Length + 1);
        var t = new PyTuple(items);
        CheckDepth(t.Depth);
        return t;
    }

    internal void AddAll(object? target, IReadOnlyList<object?> items)
    {
        Charge(items.Count);
        switch (target)
        {
            case PyList list:
                foreach (var item in items)
                {
                    list.Add(item);
                    list.Depth = Math.Max(list.Depth, CheckContainerDepth(1 + PyValues.DepthOf(item)));
                }

                break;
            case PyObject obj:
                obj.ListItems ??= [];
                AddAll(obj.ListItems, items);
                obj.Depth = Math.Max(obj.Depth, CheckContainerDepth(1 + obj.ListItems.Depth));
                break;
            default:
                throw new PickleException($"APPEND/APPENDS on {Describe(target)}, expected a list");
        }
    }

    internal void SetAll(object? target, IReadOnlyList<object?> keysAndValues)
    {
        if (keysAndValues.Count % 2 != 0)
        {
            throw new PickleException($"odd number of items ({keysAndValues.Count}) for a dict");
        }

        Charge(keysAndValues.Count);
        switch (target)
        {
            case PyDict dict:
                for (var i = 0; i < keysAndValues.Count; i += 2)
                {
                    dict.Set(keysAndValues[i], keysAndValues[i + 1]);
                    dict.Depth = Math.Max(dict.Depth, CheckContainerDepth(1 + Math.Max(PyValues.DepthOf(keysAndValues[i]), PyValues.DepthOf(keysAndValues[i + 1]))));
                }

                break;
            case PyObject obj:
                obj.DictItems ??= new PyDict();
                SetAll(obj.DictItems, keysAndValues);
                obj.Depth = Math.Max(obj.Depth, CheckContainerDepth(1 + obj.DictItems.Depth));
                break;
            default:
                throw new PickleException($"SETITEM/SETITEMS on {Describe(target)}, expected a dict");
        }
    }

    internal static string Describe(object? value) => value switch
    {
        null => "None",
        PyObject o => $"a {o.ClassName} object",
        PyGlobal g => $"global {g}",
        _ => $"a {PyTypeName(value)}",
    };

    internal static string PyTypeName(object? value) => value switch
    {
        null => "NoneType",
        bool => "bool",
        long or BigInteger => "int",
        double => "float",
        string => "str",
        byte[] or PyBytes => "bytes",
        Complex => "complex",
        PyByteArray => "bytearray",
        PyTuple => "tuple",
        PyList => "list",
        PyDict d => d.Class?.FullName ?? "dict",
        PySet s => s.IsFrozen ? "frozenset" : "set",
        PySlice => "slice",
        NdArray => "numpy.ndarray",
        NpDType => "numpy.dtype",
        PyGlobal => "type",
        PyObject o => o.ClassName,
        _ => value.GetType().Name,
    };

    private static PyTuple AsArgs(object? args, string opcode) =>
        args as PyTuple ?? throw new PickleException($"{opcode} arguments must be a tuple, got {Describe(args)}");

    private PyGlobal MakeGlobal(string module, string name)
    {
        // Python 2 names written by protocol <= 2 picklers (fix_imports).
        module = module switch
        {
            "__builtin__" or "exceptions" => "builtins",
            "copy_reg" => "copyreg",
            _ => module,
        };
        if (module == "builtins")
        {
            name = name switch
            {
                "long" => "int",
                "unicode" => "str",
                "xrange" => "range",
                _ => name,
            };
        }

        Charge(module.Length + name.Length);
        var g = new PyGlobal(module, name);
        if (!GlobalsSeen.Contains(g))
        {
            GlobalsSeen.Add(g);
        }

        return g;
    }

    private void StoreMemo(long index)
    {
        if (_memo.Count >= _data.Length && !_memo.ContainsKey(index))
        {
            throw new PickleException($"memo has more entries ({_memo.Count}) than the file has bytes");
        }

        _memo[index] = Peek();
    }

    private object? LoadMemo(long index) =>
        _memo.TryGetValue(index, out var value) ? value : throw new PickleException($"memo key {index} is read before it is stored");

    private static long ParseMemoIndex(string text) =>
        long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= 0 ? v : throw new PickleException($"bad memo index '{text}'");

    private void Push(object? value)
    {
        if (_stack.Count >= _data.Length + 16)
        {
            throw new PickleException("stack grows beyond the size of the file");
        }

        _stack.Add(value);
    }

    private object? Pop()
    {
        RequireStack(1);
        var v = _stack[^1];
        _stack.RemoveAt(_stack.Count - 1);
        return v;
    }

    private object? Peek()
    {
        RequireStack(1);
        return _stack[^1];
    }

    private void RequireStack(int n)
    {
        var floor = _marks.Count > 0 ? _marks[^1] : 0;
        if (_stack.Count - floor < n)
        {
            throw new PickleException(_stack.Count < n ? "stack underflow" : "stack underflow (an operand is missing before the MARK)");
        }
    }

    private List<object?> PopToMark()
    {
        if (_marks.Count == 0)
        {
            throw new PickleException("no MARK on the stack");
        }

        var start = _marks[^1];
        _marks.RemoveAt(_marks.Count - 1);
        var items = _stack.GetRange(start, _stack.Count - start);
        _stack.RemoveRange(start, _stack.Count - start);
        return items;
    }

    private byte ReadByte() => Take(1)[0];

    private int ReadLength(int width)
    {
        var raw = width == 4 ? BinaryPrimitives.ReadUInt32LittleEndian(Take(4)) : BinaryPrimitives.ReadUInt64LittleEndian(Take(8));
        var remaining = (ulong)(_data.Length - _pos);
        if (raw > remaining)
        {
            throw new PickleException($"truncated or corrupt: a length of {raw} bytes is claimed, only {remaining} remain");
        }

        return (int)raw;
    }

    private ulong ReadUInt64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));

    private ReadOnlySpan<byte> Take(int n)
    {
        if (n > _data.Length - _pos)
        {
            throw new PickleException($"truncated: {n} bytes needed at byte {_pos}, the stream has {_data.Length - _pos} left");
        }

        var s = _data.Span.Slice(_pos, n);
        _pos += n;
        return s;
    }

    private byte[] ReadBytes(int n)
    {
        Charge(n / 8);
        return Take(n).ToArray();
    }

    /// <summary>Large payloads (array data) stay in the input buffer.</summary>
    private object ReadBytesOrView(int n)
    {
        if (n < PyBytes.MinLength)
        {
            return ReadBytes(n);
        }

        Take(n);
        return new PyBytes(_data.Slice(_pos - n, n));
    }

    private string ReadUtf8(int n)
    {
        Charge(n / 8);
        try
        {
            return new UTF8Encoding(false, true).GetString(Take(n));
        }
        catch (DecoderFallbackException)
        {
            // CPython writes lone surrogates with 'surrogatepass'; keep them as replacement characters.
            return Encoding.UTF8.GetString(_data.Span.Slice(_pos - n, n));
        }
    }

    private string ReadLine()
    {
        var span = _data.Span[_pos..];
        var end = span.IndexOf((byte)'\n');
        if (end < 0)
        {
            throw new PickleException("truncated: a text argument has no terminating newline");
        }

        _pos += end + 1;
        Charge(end / 8);
        return Latin1(span[..end]);
    }

    private static string Latin1(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);

    private static object DecodeLong(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length == 0)
        {
            return 0L;
        }

        var value = new BigInteger(bytes, isUnsigned: false, isBigEndian: false);
        return value >= long.MinValue && value <= long.MaxValue ? (object)(long)value : value;
    }

    private static object ParseTextInt(string text)
    {
        if (text == "01")
        {
            return true;
        }

        if (text == "00")
        {
            return false;
        }

        return BigInteger.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v)
            ? v >= long.MinValue && v <= long.MaxValue ? (object)(long)v : v
            : throw new PickleException($"bad integer literal '{text}'");
    }

    private static string ParseQuotedString(string text)
    {
        if (text.Length < 2 || text[0] != text[^1] || text[0] is not ('\'' or '"'))
        {
            throw new PickleException("STRING argument is not quoted");
        }

        return System.Text.RegularExpressions.Regex.Unescape(text[1..^1]);
    }

    private static string DecodeRawUnicodeEscape(string text)
    {
        var sb = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\' && i + 5 < text.Length + 0 && text[i + 1] == 'u')
            {
                sb.Append((char)Convert.ToInt32(text.Substring(i + 2, 4), 16));
                i += 5;
            }
            else
            {
                sb.Append(text[i]);
            }
        }

        return sb.ToString();
    }
}
