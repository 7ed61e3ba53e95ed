using MgeConvert.Formats.Pickle;
using MgeConvert.Ir;

namespace MgeConvert.Formats.TracedModule;

/// <summary>
/// The pickle-level pieces of a TracedModule as MegEngine 1.10+ loads them (spec §4, §9): class globals (the
/// names real MegEngine files use), objects built by NEWOBJ () + BUILD dict, tensors, dtypes and pytree defs.
/// </summary>
internal static class TmPy
{
    /// <summary>
    /// MegEngine version recorded in dump_info, _ModuleState and every call expr: the release whose module
    /// state layout is written (Conv2d with padding_mode and output_padding, BatchNorm without param_dim), so
    /// no load-time compatibility shim rewrites it.
    /// </summary>
    public const string Version = "1.13.4";

    /// <summary>Device of written tensors and nodes (spec §9.2).</summary>
    public const string DeviceName = "cpu0:0";

    public static readonly PyGlobal TracedModule = new("megengine.traced_module.traced_module", "TracedModule");
    public static readonly PyGlobal InternalGraph = new("megengine.traced_module.traced_module", "InternalGraph");
    public static readonly PyGlobal NameSpace = new("megengine.traced_module.traced_module", "NameSpace");
    public static readonly PyGlobal InputExpr = new("megengine.traced_module.expr", "Input");
    public static readonly PyGlobal GetAttrExpr = new("megengine.traced_module.expr", "GetAttr");
    public static readonly PyGlobal CallMethodExpr = new("megengine.traced_module.expr", "CallMethod");
    public static readonly PyGlobal CallFunctionExpr = new("megengine.traced_module.expr", "CallFunction");
    public static readonly PyGlobal ConstantExpr = new("megengine.traced_module.expr", "Constant");
    public static readonly PyGlobal ModuleNode = new("megengine.traced_module.node", "ModuleNode");
    public static readonly PyGlobal TensorNode = new("megengine.traced_module.node", "TensorNode");
    public static readonly PyGlobal NodeMixin = new("megengine.traced_module.node", "NodeMixin");
    public static readonly PyGlobal TreeDef = new("megengine.traced_module.pytree", "TreeDef");
    public static readonly PyGlobal LeafDef = new("megengine.traced_module.pytree", "LeafDef");
    public static readonly PyGlobal ArgsIndex = new("megengine.traced_module.pytree", "ArgsIndex");
    public static readonly PyGlobal ModuleState = new("megengine.traced_module.serialization", "_ModuleState");
    public static readonly PyGlobal Module = new("megengine.module.module", "Module");
    public static readonly PyGlobal Tensor = new("megengine.tensor", "Tensor");
    public static readonly PyGlobal Parameter = new("megengine.tensor", "Parameter");
    public static readonly PyGlobal CompNode = new("megengine.core._imperative_rt.common", "CompNode");
    public static readonly PyGlobal TupleClass = new("builtins", "tuple");
    public static readonly PyGlobal ListClass = new("builtins", "list");
    public static readonly PyGlobal DictClass = new("builtins", "dict");
    public static readonly PyGlobal Int = new("builtins", "int");
    public static readonly PyGlobal Float = new("builtins", "float");
    public static readonly PyGlobal Str = new("builtins", "str");
    public static readonly PyGlobal Bool = new("builtins", "bool");
    public static readonly PyGlobal Type = new("builtins", "type");
    public static readonly PyGlobal SliceType = new("builtins", "slice");
    public static readonly PyGlobal OrderedDict = new("collections", "OrderedDict");
    public static readonly PyGlobal DefaultDict = new("collections", "defaultdict");
    public static readonly PyGlobal FullArgSpec = new("inspect", "FullArgSpec");

    /// <summary>LeafDef.type of tensors and TensorNodes.</summary>
    public static readonly PyTuple TensorLeafType = new([Tensor, TensorNode, ArgsIndex]);

    /// <summary>LeafDef.type of modules and ModuleNodes (the self argument of module calls).</summary>
    public static readonly PyTuple ModuleLeafType = new([Module, ModuleNode, NodeMixin, ArgsIndex]);

    /// <summary>A MegEngine object: NEWOBJ (cls, ()) then BUILD with its state dict.</summary>
    public static PyObject Object(PyGlobal cls, PyDict state) =>
        new(cls, PyTuple.Empty, PyConstruction.New) { State = state, HasState = true };

    public static PyDict Dict(params (string Key, object? Value)[] items)
    {
        var d = new PyDict();
        foreach (var (k, v) in items)
        {
            d.Set(k, v);
        }

        return d;
    }

    public static PyDict EmptyOrderedDict() => new() { Class = OrderedDict };

    public static PyTuple Tuple(params object?[] items) => new(items);

    public static PyTuple Ints(IEnumerable<long> values) => new([.. values.Select(v => (object?)v)]);

    /// <summary>NoneType: REDUCE(builtins.type, (None,)).</summary>
    public static readonly PyObject NoneType = new(Type, new PyTuple([null]), PyConstruction.Reduce);

    public static PyObject Device(string name) =>
        new(CompNode, PyTuple.Empty, PyConstruction.New) { State = name, HasState = true };

    /// <summary>A pytree TreeDef over <paramref name="children"/>.</summary>
    public static PyObject Tree(PyGlobal type, object? auxData, IReadOnlyList<PyObject> children) =>
        Object(TreeDef, Dict(
            ("type", type),
            ("aux_data", auxData),
            ("children_defs", new PyList(children)),
            ("num_leaves", (long)children.Sum(LeafCount))));

    public static PyObject Leaf(PyTuple type, object? constVal = null) =>
        Object(LeafDef, Dict(("type", type), ("aux_data", null), ("children_defs", new PyList()), ("num_leaves", 1L), ("const_val", constVal)));

    /// <summary>The args/kwargs tree of a call: TreeDef(tuple, [TreeDef(tuple, args), TreeDef(dict, (), [])]).</summary>
    public static PyObject CallTree(IReadOnlyList<PyObject> args) =>
        Tree(TupleClass, null, [Tree(TupleClass, null, args), Tree(DictClass, PyTuple.Empty, [])]);

    public static long LeafCount(PyObject def) => PyValues.TryGetLong(def.Attr("num_leaves"), out var n) ? n : 0;
}

/// <summary>numpy arrays, dtypes and MegEngine tensors of written files; one dtype object per element type (memo-shared).</summary>
internal sealed class TmTensors
{
    private readonly Dictionary<ElementType, NpDType> _dtypes = [];

    public NpDType DType(ElementType type)
    {
        if (!_dtypes.TryGetValue(type, out var d))
        {
            d = NpDType.FromElementType(type);
            _dtypes[type] = d;
        }

        return d;
    }

    /// <summary>Tensor or Parameter: NEWOBJ (ndarray, dtype, device), BUILD {} (spec §9.2: the 3-tuple every 1.x accepts).</summary>
    public PyObject Tensor(Tensor data, bool parameter = false, long[]? shape = null)
    {
        var dtype = DType(data.DType.Element);
        var array = new NdArray(dtype, shape ?? data.Shape.ToArray(), data.Bytes);
        return new PyObject(parameter ? TmPy.Parameter : TmPy.Tensor, new PyTuple([array, dtype, TmPy.DeviceName]), PyConstruction.New)
        {
            State = new PyDict(),
            HasState = true,
        };
    }
}
