using System.Numerics;

namespace MgeConvert.Formats.Pickle;

/// <summary>
/// The allow list: the only callables the reader evaluates, each implemented here without touching Python
/// (builtin containers and scalars, OrderedDict/defaultdict, _codecs.encode, numpy arrays, scalars and dtypes).
/// Every other REDUCE/NEWOBJ target yields an inert <see cref="PyObject"/>.
/// </summary>
internal static class PickleConstructors
{
    public static object? Call(object? callable, PyTuple args, PyDict? kwargs, PyConstruction how, PickleReader reader)
    {
        reader.Charge(1);
        if (callable is not PyGlobal g)
        {
            // A non-global callable (e.g. a memoized placeholder): record it, call nothing.
            var synthetic = new PyGlobal("<callable>", PickleReader.PyTypeName(callable));
            return Placeholder(synthetic, reader.MakeTuple([callable, .. args.Items]), kwargs, how, reader);
        }

        var result = how == PyConstruction.New ? New(g, args, reader) : Reduce(g, args, reader);
        return result ?? Placeholder(g, args, kwargs, how, reader);
    }

    public static void Build(object? target, object? state, PickleReader reader)
    {
        switch (target)
        {
            case PyObject obj:
                if (obj.State is PyDict existing && state is PyDict update)
                {
                    reader.SetAll(existing, [.. update.SelectMany(e => new[] { e.Key, e.Value })]);
                }
                else
                {
                    obj.State = state;
                }

                obj.HasState = true;
                obj.Depth = Math.Max(obj.Depth, reader.CheckContainerDepth(1 + PyValues.DepthOf(state)));
                break;
            case NdArray array when !array.IsInitialized:
                array.ApplyState(state);
                break;
            case NpDType dtype:
                dtype.ApplyState(state);
                break;
            case PyDict when state is PyDict or null:
                // Instance attributes of a dict subclass (OrderedDict); nothing a converter needs.
                break;
            default:
                throw new PickleException($"BUILD on {PickleReader.Describe(target)}, which takes no state");
        }
    }

    private static PyObject Placeholder(PyGlobal cls, PyTuple args, PyDict? kwargs, PyConstruction how, PickleReader reader)
    {
        var obj = new PyObject(cls, args, how, kwargs);
        obj.Depth = reader.CheckContainerDepth(1 + Math.Max(args.Depth, kwargs?.Depth ?? 0));
        return obj;
    }

    private static object? New(PyGlobal cls, PyTuple args, PickleReader reader) => cls.Module switch
    {
        "builtins" => cls.Name switch
        {
            "list" => new PyList(),
            "dict" => new PyDict(),
            "set" => new PySet(false),
            "object" => null,
            _ => Builtin(cls.Name, args, reader),
        },
        "collections" => Collections(cls, args, reader),
        _ => null,
    };

    private static object? Reduce(PyGlobal fn, PyTuple args, PickleReader reader) => fn.Module switch
    {
        "builtins" => Builtin(fn.Name, args, reader),
        "collections" => Collections(fn, args, reader),
        "_codecs" when fn.Name == "encode" => CodecsEncode(args),
        "copyreg" when fn.Name == "_reconstructor" => Reconstructor(args, reader),
        "numpy" when fn.Name == "dtype" => new NpDType(Arg<string>(args, 0, "numpy.dtype")),
        "numpy.core.multiarray" or "numpy._core.multiarray" => fn.Name switch
        {
            "_reconstruct" => new NdArray(args.Count > 0 && args[0] is PyGlobal c ? c : new PyGlobal("numpy", "ndarray")),
            "scalar" => NumpyScalar(args),
            _ => null,
        },
        "numpy.core.numeric" or "numpy._core.numeric" when fn.Name == "_frombuffer" => FromBuffer(args),
        _ => null,
    };

    private static object? Builtin(string name, PyTuple args, PickleReader reader)
    {
        object? first = args.Count > 0 ? args[0] : null;
        switch (name)
        {
            case "set" or "frozenset":
                var set = new PySet(name == "frozenset");
                foreach (var item in Iterate(first, args.Count, reader))
                {
                    set.Add(item);
                    set.Depth = Math.Max(set.Depth, reader.CheckDepth(1 + PyValues.DepthOf(item)));
                }

                return set;
            case "list":
                var list = new PyList();
                reader.AddAll(list, [.. Iterate(first, args.Count, reader)]);
                return list;
            case "tuple":
                return reader.MakeTuple([.. Iterate(first, args.Count, reader)]);
            case "dict":
                var dict = new PyDict();
                if (first is PyDict source)
                {
                    reader.SetAll(dict, [.. source.SelectMany(e => new[] { e.Key, e.Value })]);
                }

                return dict;
            case "bytearray":
                return new PyByteArray(BytesFrom(first, args, reader));
            case "bytes":
                return BytesFrom(first, args, reader);
            case "complex":
                PyValues.TryGetDouble(first, out var re);
                PyValues.TryGetDouble(args.Count > 1 ? args[1] : 0L, out var im);
                return first is Complex c ? c : new Complex(re, im);
            case "slice":
                return args.Count switch
                {
                    1 => new PySlice(null, args[0], null),
                    2 => new PySlice(args[0], args[1], null),
                    3 => new PySlice(args[0], args[1], args[2]),
                    _ => throw new PickleException($"slice takes 1-3 arguments, got {args.Count}"),
                };
            case "type" when args.Count == 1:
                return args[0] switch
                {
                    null => new PyGlobal("builtins", "NoneType"),
                    PyGlobal { Module: "builtins", Name: "Ellipsis" } => new PyGlobal("builtins", "ellipsis"),
                    PyGlobal { Module: "builtins", Name: "NotImplemented" } => new PyGlobal("builtins", "NotImplementedType"),
                    PyObject o => o.Class,
                    var v => new PyGlobal("builtins", PickleReader.PyTypeName(v)),
                };
            case "int" when args.Count == 1 && first is long or BigInteger or bool:
                return first is bool b ? (b ? 1L : 0L) : first;
            case "float" when args.Count == 1 && PyValues.TryGetDouble(first, out var d):
                return d;
            case "str" when args.Count == 1 && first is string s:
                return s;
            case "bool" when args.Count <= 1:
                return PyValues.IsTrue(first);
            default:
                return null;
        }
    }

    private static IEnumerable<object?> Iterate(object? source, int argCount, PickleReader reader)
    {
        if (argCount == 0)
        {
            return [];
        }

        IEnumerable<object?> items = source switch
        {
            PyList l => l,
            PyTuple t => t,
            PySet s => s,
            PyDict d => d.Keys,
            string str => str.Select(ch => (object?)ch.ToString()),
            byte[] b => b.Select(v => (object?)(long)v),
            PyBytes view => view.Data.ToArray().Select(v => (object?)(long)v),
            _ => throw new PickleException($"cannot iterate over {PickleReader.Describe(source)}"),
        };
        var materialized = items.ToList();
        reader.Charge(materialized.Count);
        return materialized;
    }

    private static byte[] BytesFrom(object? first, PyTuple args, PickleReader reader)
    {
        switch (first)
        {
            case null when args.Count == 0:
                return [];
            case byte[] b:
                reader.Charge(b.Length / 8);
                return (byte[])b.Clone();
            case PyBytes view:
                reader.Charge(view.Data.Length / 8);
                return view.Data.ToArray();
            case PyByteArray ba:
                return (byte[])ba.Data.Clone();
            case long n when n >= 0:
                reader.Charge(n);
                return new byte[n];
            case string s when args.Count >= 2 && args[1] is string encoding:
                return Encode(s, encoding);
            case PyList or PyTuple:
                return [.. ((IEnumerable<object?>)first).Select(v => PyValues.TryGetLong(v, out var x) && x is >= 0 and <= 255 ? (byte)x : throw new PickleException("bytes() items must be in range(0, 256)"))];
            default:
                throw new PickleException($"cannot make bytes from {PickleReader.Describe(first)}");
        }
    }

    private static byte[] CodecsEncode(PyTuple args) =>
        args.Count >= 1 && args[0] is string s
            ? Encode(s, args.Count > 1 && args[1] is string e ? e : "utf-8")
            : throw new PickleException("_codecs.encode expects (str, encoding)");

    private static byte[] Encode(string s, string encoding) => encoding.ToLowerInvariant().Replace('_', '-') switch
    {
        "latin1" or "latin-1" or "iso-8859-1" => s.All(ch => ch <= 0xff) ? [.. s.Select(ch => (byte)ch)] : throw new PickleException("latin-1 text holds characters above U+00FF"),
        "utf-8" or "utf8" => System.Text.Encoding.UTF8.GetBytes(s),
        "ascii" => s.All(ch => ch < 0x80) ? System.Text.Encoding.ASCII.GetBytes(s) : throw new PickleException("ascii text holds non-ASCII characters"),
        _ => throw new PickleException($"unsupported encoding '{encoding}'"),
    };

    private static object? Collections(PyGlobal cls, PyTuple args, PickleReader reader)
    {
        switch (cls.Name)
        {
            case "OrderedDict":
                var od = new PyDict { Class = cls };
                if (args.Count > 0 && args[0] is PyList or PyTuple)
                {
                    foreach (var pair in (IEnumerable<object?>)args[0]!)
                    {
                        if (pair is not (PyList or PyTuple) || ((IReadOnlyList<object?>)pair).Count != 2)
                        {
                            throw new PickleException("OrderedDict items must be (key, value) pairs");
                        }

                        var kv = (IReadOnlyList<object?>)pair;
                        reader.SetAll(od, [kv[0], kv[1]]);
                    }
                }

                return od;
            case "defaultdict":
                return new PyDict { Class = cls, DefaultFactory = args.Count > 0 ? args[0] : null };
            default:
                return null;
        }
    }

    private static PyObject Reconstructor(PyTuple args, PickleReader reader)
    {
        // copyreg._reconstructor(cls, base, state): protocol 0/1 objects; nothing is called.
        var cls = args.Count > 0 && args[0] is PyGlobal c ? c : throw new PickleException("copyreg._reconstructor expects a class");
        var obj = Placeholder(cls, args, null, PyConstruction.Instance, reader);
        return obj;
    }

    private static NdArray NumpyScalar(PyTuple args)
    {
        var dtype = Arg<NpDType>(args, 0, "numpy scalar");
        if (args.Count < 2)
        {
            throw new PickleException("numpy scalar without data");
        }

        ReadOnlyMemory<byte> data = args[1] switch
        {
            byte[] b => b,
            PyBytes view => view.Data,
            string s when s.All(ch => ch <= 0xff) => s.Select(ch => (byte)ch).ToArray(),
            var other => throw new PickleException($"numpy scalar data must be bytes, got {PickleReader.Describe(other)}"),
        };
        return new NdArray(dtype, [], data, isScalar: true);
    }

    private static NdArray FromBuffer(PyTuple args)
    {
        // numpy.core.numeric._frombuffer(buffer, dtype, shape, order)
        if (args.Count != 4)
        {
            throw new PickleException($"numpy _frombuffer expects 4 arguments, got {args.Count}");
        }

        ReadOnlyMemory<byte> data = args[0] switch
        {
            PyByteArray ba => ba.Data,
            byte[] b => b,
            PyBytes view => view.Data,
            var other => throw new PickleException($"numpy _frombuffer buffer must be bytes, got {PickleReader.Describe(other)}"),
        };
        var dtype = Arg<NpDType>(args, 1, "numpy _frombuffer");
        var shape = NdArray.ParseShape(args[2]);
        var order = args[3] as string ?? "C";
        return new NdArray(dtype, shape, data, order == "F");
    }

    private static T Arg<T>(PyTuple args, int index, string what)
        where T : class =>
        index < args.Count && args[index] is T value
            ? value
            : throw new PickleException($"{what}: argument {index} must be a {typeof(T).Name}, got {(index < args.Count ? PickleReader.Describe(args[index]) : "nothing")}");
}
