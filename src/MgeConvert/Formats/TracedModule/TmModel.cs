using MgeConvert.Formats.Pickle;

namespace MgeConvert.Formats.TracedModule;

/// <summary>A TracedModule graph node (TensorNode or ModuleNode).</summary>
internal sealed class TmNode(PyObject source)
{
    public PyObject Source { get; } = source;

    public bool IsModule => Source.ClassName.EndsWith(".ModuleNode", StringComparison.Ordinal);

    public string Name => Source.Attr("_name") as string ?? Source.Attr("_orig_name") as string ?? $"node{Id}";

    public long Id => PyValues.TryGetLong(Source.Attr("_id"), out var id) ? id : -1;

    /// <summary>The recorded static shape, or null.</summary>
    public long[]? Shape => Source.Attr("_shape") is PyTuple t && t.All(d => PyValues.TryGetLong(d, out _))
        ? [.. t.Select(d => { PyValues.TryGetLong(d, out var v); return v; })]
        : null;

    public NpDType? DType => Source.Attr("_dtype") as NpDType;

    /// <summary>The QParams placeholder recorded on the node (QAT), or null.</summary>
    public PyObject? QParams => Source.Attr("_qparams") as PyObject;

    public override string ToString() => Name;
}

/// <summary>One expression of an InternalGraph.</summary>
internal sealed class TmExpr(PyObject source, IReadOnlyList<TmNode> inputs, IReadOnlyList<TmNode> outputs)
{
    public PyObject Source { get; } = source;

    /// <summary>Input, GetAttr, CallMethod, CallFunction, Constant or Apply.</summary>
    public string Kind => Source.Class.Name;

    public IReadOnlyList<TmNode> Inputs { get; } = inputs;

    public IReadOnlyList<TmNode> Outputs { get; } = outputs;

    public string? Method => Source.Attr("method") as string;

    public string? AttrName => Source.Attr("name") as string;

    /// <summary>CallFunction target as "module.qualname".</summary>
    public string? Function => Source.Attr("func") switch
    {
        PyTuple { Count: 2 } t when t[0] is string m && t[1] is string n => m + "." + n,
        PyGlobal g => g.FullName,
        _ => null,
    };

    public object? ConstantValue => Source.Attr("value");

    public PyDict? OpdefState => Source.Attr("opdef_state") as PyDict ?? Source.Attr("opdef") as PyDict;

    /// <summary>Apply's op name, e.g. "GetVarShape".</summary>
    public string? OpdefType => OpdefState?.Get("opdef_type") is PyGlobal g ? g.Name : OpdefState?.Get("type") as string;

    public object? ArgDef => Source.Attr("arg_def");

    public object? ConstVal => Source.Attr("const_val");

    public override string ToString() => $"{Kind} {Method ?? Function ?? AttrName ?? OpdefType}";
}

/// <summary>An InternalGraph: inputs (self first), topologically ordered exprs, outputs.</summary>
internal sealed class TmGraph(string name, IReadOnlyList<TmNode> inputs, IReadOnlyList<TmExpr> exprs, IReadOnlyList<TmNode> outputs)
{
    public string Name { get; } = name;

    public IReadOnlyList<TmNode> Inputs { get; } = inputs;

    public IReadOnlyList<TmExpr> Exprs { get; } = exprs;

    public IReadOnlyList<TmNode> Outputs { get; } = outputs;
}

/// <summary>
/// A module of the tree: a traced module (with graphs), a builtin module stored as _ModuleState, or a module
/// pickled directly (nested in another builtin's state, observers, fake-quants).
/// </summary>
internal sealed class TmModule(string classPath, PyDict attrs, PyObject source, bool isTraced)
{
    public string ClassPath { get; } = classPath;

    public PyDict Attrs { get; } = attrs;

    public PyObject Source { get; } = source;

    public bool IsTraced { get; } = isTraced;

    public object? Attr(string name) => Attrs.Get(name);

    public override string ToString() => ClassPath;
}
