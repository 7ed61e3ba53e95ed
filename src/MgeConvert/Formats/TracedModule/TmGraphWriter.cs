using System.Text.RegularExpressions;
using MgeConvert.Formats.Pickle;
using MgeConvert.Ir;

namespace MgeConvert.Formats.TracedModule;

/// <summary>
/// Builds one top-level TracedModule object graph the way trace_module records it (spec §4, §9.3): graph inputs
/// with Input exprs, exprs in topological order, nodes with accurate users, MegEngine-style names and
/// qualnames, a NameSpace over every node, builtin sub-modules as _ModuleState attributes.
/// </summary>
internal sealed partial class TmGraphWriter
{
    private static readonly HashSet<string> Reserved = new(StringComparer.Ordinal)
    {
        "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del",
        "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal",
        "not", "or", "pass", "raise", "return", "try", "while", "with", "yield", "inf", "nan", "NoneType",
        "abs", "all", "any", "ascii", "bin", "bool", "breakpoint", "bytearray", "bytes", "callable", "chr", "classmethod",
        "compile", "complex", "delattr", "dict", "dir", "divmod", "enumerate", "eval", "exec", "filter", "float", "format",
        "frozenset", "getattr", "globals", "hasattr", "hash", "help", "hex", "id", "input", "int", "isinstance",
        "issubclass", "iter", "len", "list", "locals", "map", "max", "memoryview", "min", "next", "object", "oct", "open",
        "ord", "pow", "print", "property", "range", "repr", "reversed", "round", "set", "setattr", "slice", "sorted",
        "staticmethod", "str", "sum", "super", "tuple", "type", "vars", "zip", "self",
    };

    private readonly string _qualname;
    private readonly PyList _exprs = [];
    private readonly PyList _inputs = [];
    private readonly PyDict _usedNames = new();
    private readonly List<(string Name, PyObject State)> _children = [];
    private readonly List<string> _argNames = ["self"];
    private readonly PyObject _self;
    private long _nodeIds;
    private long _exprIds;

    public TmGraphWriter(string qualname)
    {
        _qualname = qualname;
        _self = NewModuleNode("self", qualname, TmPy.Tuple("megengine.module.module", "Module"));
        _usedNames.Set("self", _self);
        AddInputExpr(_self, "self");
    }

    public TmTensors Tensors { get; } = new();

    /// <summary>A graph input (a forward parameter) with its recorded dtype and shape.</summary>
    public PyObject Input(string wanted, ElementType type, long[]? shape, PyObject? qparams = null)
    {
        var name = UniqueName(wanted);
        var node = NewTensorNode(name, $"{_qualname}.[{name}]", type, shape);
        SetQParams(node, qparams);
        _argNames.Add(name);
        AddInputExpr(node, name);
        return node;
    }

    /// <summary>A Constant expr holding a Tensor (mgeconvert style initializers, spec §7.3).</summary>
    public PyObject Constant(Tensor data, string wanted = "const_tensor")
    {
        var name = UniqueName(wanted);
        var node = NewTensorNode(name, $"{_qualname}.[const_tensor]", data.DType.Element, data.Shape.ToArray());
        var expr = TmPy.Object(TmPy.ConstantExpr, TmPy.Dict(
            ("_id", _exprIds++), ("_disable_remove", false), ("value", Tensors.Tensor(data)), ("name", ""),
            ("inputs", new PyList()), ("outputs", new PyList([node]))));
        Produced(node, expr);
        _exprs.Add(expr);
        return node;
    }

    /// <summary>A CallFunction expr: <paramref name="module"/>.<paramref name="function"/>(args) with one output per <paramref name="outputs"/> entry.</summary>
    public PyObject[] Function(string module, string function, IReadOnlyList<TmArg> args, IReadOnlyList<TmOut> outputs)
    {
        Reserve("func_" + function);
        var nodes = Outputs(outputs, function + "_out", $"{_qualname}.[func_{function}]");
        var flat = TmFlatArgs.Of(args);
        var expr = TmPy.Object(TmPy.CallFunctionExpr, TmPy.Dict(
            ("_id", _exprIds++), ("_disable_remove", false), ("func", TmPy.Tuple(module, function)), ("const_val", flat.ConstVal),
            ("inputs", flat.Inputs), ("arg_def", flat.ArgDef), ("out_def", OutDef(nodes.Length)), ("outputs", new PyList(nodes)), ("version", TmPy.Version)));
        Link(expr, flat.Inputs, nodes);
        return nodes;
    }

    /// <summary>A CallMethod expr of a Tensor method; args[0] is the tensor itself.</summary>
    public PyObject Method(string method, IReadOnlyList<TmArg> args, TmOut output)
    {
        var stripped = method.Trim('_');
        Reserve("method_" + stripped);
        var nodes = Outputs([output], stripped + "_out", $"{_qualname}.[method_{stripped}]");
        return Call(method, args, nodes)[0];
    }

    /// <summary>
    /// A builtin module attribute (<paramref name="state"/> = its complete __dict__) fetched by GetAttr and
    /// called with <paramref name="args"/>: CallMethod "__call__".
    /// </summary>
    public PyObject ModuleCall(string wantedAttr, string modulePath, string className, PyDict state, IReadOnlyList<TmArg> args, TmOut output) =>
        ModuleCall(wantedAttr, modulePath, className, _ => state, args, output);

    /// <summary>A builtin module call whose state is made for the attribute name chosen (observers record their owner's name).</summary>
    public PyObject ModuleCall(string wantedAttr, string modulePath, string className, Func<string, PyDict> stateOf, IReadOnlyList<TmArg> args, TmOut output)
    {
        var attr = UniqueName(wantedAttr);
        var state = stateOf(attr);
        state.Set("_name", attr);
        state.Set("_short_name", attr);
        var moduleState = TmPy.Object(TmPy.ModuleState, TmPy.Dict(
            ("module", TmPy.Tuple(modulePath, className)), ("state", state), ("version", TmPy.Version)));
        _children.Add((attr, moduleState));

        var moduleNode = NewModuleNode(attr, $"{_qualname}.{attr}", TmPy.Tuple(modulePath, className));
        var getAttr = TmPy.Object(TmPy.GetAttrExpr, TmPy.Dict(
            ("_id", _exprIds++), ("_disable_remove", false), ("inputs", new PyList([_self])), ("outputs", new PyList([moduleNode])), ("name", attr)));
        Link(getAttr, [_self], [moduleNode]);
        var nodes = Outputs([output], attr + "_out", $"{_qualname}.{attr}.[out]");
        return Call("__call__", [(TmArg)moduleNode, .. args], nodes)[0];
    }

    /// <summary>The root TracedModule returning <paramref name="outputs"/>.</summary>
    public PyObject Build(IReadOnlyList<PyObject> outputs)
    {
        var graph = TmPy.Object(TmPy.InternalGraph, TmPy.Dict(
            ("_exprs", _exprs),
            ("_inputs", _inputs),
            ("_outputs", new PyList(outputs)),
            ("_watch_point", new PyList()),
            ("_end_point", new PyList()),
            ("_namespace", TmPy.Object(TmPy.NameSpace, TmPy.Dict(("name", _qualname), ("qualname", _qualname), ("_used_names", _usedNames)))),
            ("_rst", new PyDict { Class = TmPy.DefaultDict, DefaultFactory = TmPy.ListClass }),
            ("_name", _qualname),
            ("_qualname", _qualname),
            ("_total_ids", TmPy.Tuple(_nodeIds, _exprIds))));
        var argDef = TmPy.CallTree([TmPy.Leaf(TmPy.ModuleLeafType), .. _inputs.Skip(1).Select(_ => TmPy.Leaf(TmPy.TensorLeafType))]);
        var graphMap = new PyDict();
        graphMap.Set(argDef, graph);
        var outDefMap = new PyDict();
        outDefMap.Set(argDef, OutDef(outputs.Count));

        var modules = new PyList(["_forward_pre_hooks", "_forward_hooks", "argdef_graph_map", "argdef_outdef_map", "watch_points", "watch_node_value", "end_points"]);
        modules.AddRange(_children.Select(c => (object?)c.Name));
        modules.Add("argspec");
        var state = TmModuleStates.ModuleBase(modules, null);
        state.Set("argdef_graph_map", graphMap);
        state.Set("argdef_outdef_map", outDefMap);
        state.Set("_is_top", true);
        state.Set("watch_points", new PyList());
        state.Set("watch_node_value", new PyDict());
        state.Set("end_points", new PyList());
        state.Set("is_qat", false);
        state.Set("argspec", ArgSpec());
        foreach (var (name, child) in _children)
        {
            state.Set(name, child);
        }

        state.Set("dump_info", TmPy.Dict(
            ("version", TmPy.Version), ("register_type", new PyList()), ("register_container_type", new PyList()),
            ("register_mdule", new PyList()), ("register_function", new PyList())));
        return TmPy.Object(TmPy.TracedModule, state);
    }

    /// <summary>inspect.FullArgSpec(args, varargs, varkw, defaults, kwonlyargs, kwonlydefaults, annotations): NEWOBJ with the 7-tuple.</summary>
    private PyObject ArgSpec() =>
        new(TmPy.FullArgSpec, new PyTuple([new PyList(_argNames.Select(n => (object?)n)), null, null, null, new PyList(), null, new PyDict()]), PyConstruction.New);

    private PyObject[] Call(string method, IReadOnlyList<TmArg> args, PyObject[] nodes)
    {
        var flat = TmFlatArgs.Of(args);
        var expr = TmPy.Object(TmPy.CallMethodExpr, TmPy.Dict(
            ("_id", _exprIds++), ("_disable_remove", false), ("inputs", flat.Inputs), ("const_val", flat.ConstVal), ("method", method),
            ("arg_def", flat.ArgDef), ("out_def", OutDef(nodes.Length)), ("outputs", new PyList(nodes)), ("version", TmPy.Version)));
        Link(expr, flat.Inputs, nodes);
        return nodes;
    }

    private PyObject[] Outputs(IReadOnlyList<TmOut> outputs, string defaultName, string qualname) =>
        [.. outputs.Select(o => NewTensorNode(UniqueName(o.Name ?? defaultName), qualname, o.Type, o.Shape))];

    private static PyObject OutDef(int count) =>
        count == 1 ? TmPy.Leaf(TmPy.TensorLeafType) : TmPy.Tree(TmPy.TupleClass, null, [.. Enumerable.Range(0, count).Select(_ => TmPy.Leaf(TmPy.TensorLeafType))]);

    private void Link(PyObject expr, IEnumerable<object?> inputs, IEnumerable<PyObject> outputs)
    {
        foreach (var input in inputs)
        {
            ((PyList)((PyObject)input!).Attr("users")!).Add(expr);
        }

        foreach (var output in outputs)
        {
            Produced(output, expr);
        }

        _exprs.Add(expr);
    }

    /// <summary>
    /// Gives a computed tensor node the name a graph output should have (when a quantize/dequantize pair or an
    /// alias made it the output under another name); the old name stays reserved, mapped to None.
    /// </summary>
    public void RenameOutput(PyObject node, string wanted)
    {
        if (node.Attr("expr") is PyObject { Class.Name: "Input" } || node.Attr("_name") is not string old
            || old == InvalidChars().Replace(wanted, "_") || node.Attr("_qualname") is not string)
        {
            return;
        }

        var name = UniqueName(wanted);
        node.Dict!.Set("_name", name);
        _usedNames.Set(old, null);
        _usedNames.Set(name, node);
    }

    /// <summary>The qparams a traced QAT tensor carries (TensorNode._qparams; None for float values).</summary>
    public static void SetQParams(PyObject node, PyObject? qparams) => node.Dict!.Set("_qparams", qparams);

    private static void Produced(PyObject node, PyObject expr) => node.Dict!.Set("expr", expr);

    private void AddInputExpr(PyObject node, string name)
    {
        var expr = TmPy.Object(TmPy.InputExpr, TmPy.Dict(
            ("_id", _exprIds++), ("_disable_remove", false), ("inputs", new PyList()), ("outputs", new PyList([node])), ("name", name)));
        Produced(node, expr);
        _inputs.Add(node);
    }

    private PyObject NewTensorNode(string name, string qualname, ElementType type, long[]? shape)
    {
        var node = TmPy.Object(TmPy.TensorNode, TmPy.Dict(
            ("expr", null), ("users", new PyList()), ("_id", _nodeIds++), ("_qparams", null),
            ("_shape", shape is null ? null : TmPy.Ints(shape)), ("_dtype", Tensors.DType(type)), ("_device", TmPy.Device(TmPy.DeviceName)),
            ("_name", name), ("_qualname", qualname)));
        _usedNames.Set(name, node);
        return node;
    }

    private PyObject NewModuleNode(string name, string qualname, PyTuple moduleType)
    {
        var node = TmPy.Object(TmPy.ModuleNode, TmPy.Dict(
            ("expr", null), ("users", new PyList()), ("_id", _nodeIds++), ("_name", name), ("_qualname", qualname), ("module_type", moduleType)));
        _usedNames.Set(name, node);
        return node;
    }

    private void Reserve(string name)
    {
        if (!_usedNames.ContainsKey(name))
        {
            _usedNames.Set(name, null);
        }
    }

    /// <summary>A sanitised node name (spec §4.6) not used yet: invalid characters → '_', no leading digit, no Python builtin.</summary>
    private string UniqueName(string wanted)
    {
        var name = InvalidChars().Replace(wanted, "_");
        if (name.Length == 0 || char.IsAsciiDigit(name[0]))
        {
            name = "_" + name;
        }

        if (Reserved.Contains(name))
        {
            name += "_1";
        }

        var candidate = name;
        for (var i = 1; _usedNames.ContainsKey(candidate) || Reserved.Contains(candidate); i++)
        {
            candidate = $"{name}_{i}";
        }

        return candidate;
    }

    [GeneratedRegex("[^0-9a-zA-Z_]+")]
    private static partial Regex InvalidChars();
}

/// <summary>The name (null = the call's default), element type and static shape of an output node.</summary>
internal sealed record TmOut(string? Name, ElementType Type, long[]? Shape);
