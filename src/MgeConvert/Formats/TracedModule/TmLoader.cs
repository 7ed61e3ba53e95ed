using MgeConvert.Formats.Pickle;
using MgeConvert.Ir;

namespace MgeConvert.Formats.TracedModule;

/// <summary>Builds the typed TracedModule view (modules, graphs, nodes, exprs, tensors) over the pickle placeholders.</summary>
internal sealed class TmLoader(string file)
{
    private readonly Dictionary<PyObject, TmNode> _nodes = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<PyObject, TmExpr> _exprs = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<PyObject, TmGraph> _graphs = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<PyObject, TmModule> _modules = new(ReferenceEqualityComparer.Instance);

    public string File { get; } = file;

    public static bool IsTracedModule(object? value) =>
        value is PyObject o && o.ClassName is "megengine.traced_module.traced_module.TracedModule";

    public static bool IsTensor(object? value) =>
        value is PyObject o && o.ClassName is "megengine.tensor.Tensor" or "megengine.tensor.Parameter" or "megengine.core.tensor.array_method.Tensor";

    /// <summary>The module a value stands for, or null when it is not a module.</summary>
    public TmModule? Module(object? value)
    {
        if (value is not PyObject obj)
        {
            return null;
        }

        if (_modules.TryGetValue(obj, out var cached))
        {
            return cached;
        }

        TmModule? module = null;
        if (IsTracedModule(obj))
        {
            module = new TmModule(obj.ClassName, obj.Dict ?? throw Error("a TracedModule has no state"), obj, true);
        }
        else if (obj.ClassName == "megengine.traced_module.serialization._ModuleState")
        {
            var path = obj.Attr("module") is PyTuple { Count: 2 } t && t[0] is string m && t[1] is string n ? m + "." + n
                : throw Error("_ModuleState without a (module, qualname) pair");
            module = new TmModule(path, obj.Attr("state") as PyDict ?? throw Error($"_ModuleState of {path} has no state dict"), obj, false);
        }
        else if (obj.Dict is { } d && obj.Construction == PyConstruction.New && obj.Class.Module.StartsWith("megengine.", StringComparison.Ordinal)
                 && d.ContainsKey("training"))
        {
            module = new TmModule(obj.ClassName, d, obj, false);
        }

        if (module is not null)
        {
            _modules[obj] = module;
        }

        return module;
    }

    /// <summary>The graph a traced module runs for a call with <paramref name="argDef"/> (the only one when null).</summary>
    public TmGraph GraphOf(TmModule module, object? argDef)
    {
        var map = module.Attr("argdef_graph_map") as PyDict ?? throw Error($"traced module {module} has no argdef_graph_map");
        if (map.Count == 0)
        {
            throw Error($"traced module {module} has no graph");
        }

        object? graph = null;
        if (argDef is not null)
        {
            foreach (var (key, value) in map)
            {
                if (ReferenceEquals(key, argDef))
                {
                    graph = value;
                    break;
                }
            }

            graph ??= map.FirstOrDefault(e => PyValues.DeepEquals(e.Key, argDef)).Value;
        }

        graph ??= map.Count == 1 || argDef is null ? map.First().Value : throw Error($"no graph of {module} matches the call's arguments");
        return Graph(graph as PyObject ?? throw Error("argdef_graph_map holds no InternalGraph"));
    }

    public TmGraph Graph(PyObject obj)
    {
        if (_graphs.TryGetValue(obj, out var g))
        {
            return g;
        }

        var name = obj.Attr("_qualname") as string ?? obj.Attr("_name") as string ?? "graph";
        g = new TmGraph(name, Nodes(obj.Attr("_inputs"), "graph inputs"), [.. List(obj.Attr("_exprs"), "_exprs").Select(Expr)], Nodes(obj.Attr("_outputs"), "graph outputs"));
        _graphs[obj] = g;
        return g;
    }

    public TmNode Node(object? value)
    {
        if (value is not PyObject obj || !obj.ClassName.StartsWith("megengine.traced_module.node.", StringComparison.Ordinal))
        {
            throw Error($"expected a graph node, found {PyValues.Repr(value)}");
        }

        if (!_nodes.TryGetValue(obj, out var node))
        {
            node = new TmNode(obj);
            _nodes[obj] = node;
        }

        return node;
    }

    /// <summary>An IR tensor from a MegEngine Tensor/Parameter (all pickled layouts) or a bare ndarray.</summary>
    public Tensor TensorData(object? value, string what)
    {
        if (value is NdArray a)
        {
            return Wrap(() => a.ToTensor(), what);
        }

        if (!IsTensor(value))
        {
            throw Error($"{what}: expected a tensor, found {PyValues.Repr(value)}");
        }

        var obj = (PyObject)value!;
        var array = obj.Args.Count > 0 ? obj.Args[0] as NdArray : obj.Attr("data") as NdArray;
        if (array is null)
        {
            throw Error($"{what}: the tensor holds no numpy data");
        }

        var dtypeArg = obj.Args.Count > 1 ? obj.Args[1] : obj.Attr("dtype");
        var dtype = dtypeArg switch
        {
            NpDType d => d,
            PyGlobal g => NpDType.FromScalarType(g),
            _ => null,
        };
        var irType = dtype is { QuantScale: not null } ? Wrap(dtype.ToDataType, what) : Wrap(array.DType.ToDataType, what);
        return Wrap(() => array.ToTensor(irType), what);
    }

    public ModelFormatException Error(string message, string? op = null) => new(File, message, null, op);

    private TmExpr Expr(object? value)
    {
        if (value is not PyObject obj || !obj.ClassName.StartsWith("megengine.traced_module.expr.", StringComparison.Ordinal))
        {
            throw Error($"expected an expression, found {PyValues.Repr(value)}");
        }

        if (!_exprs.TryGetValue(obj, out var expr))
        {
            expr = new TmExpr(obj, Nodes(obj.Attr("inputs"), "expr inputs"), Nodes(obj.Attr("outputs"), "expr outputs"));
            _exprs[obj] = expr;
        }

        return expr;
    }

    private List<TmNode> Nodes(object? value, string what) => [.. List(value, what).Select(Node)];

    private PyList List(object? value, string what) => value as PyList ?? throw Error($"{what}: expected a list, found {PyValues.Repr(value)}");

    private T Wrap<T>(Func<T> f, string what)
    {
        try
        {
            return f();
        }
        catch (Exception e) when (e is PickleException or ArgumentException)
        {
            throw Error($"{what}: {e.Message}");
        }
    }
}
