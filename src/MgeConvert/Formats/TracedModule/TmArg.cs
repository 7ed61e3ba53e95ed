using MgeConvert.Formats.Pickle;

namespace MgeConvert.Formats.TracedModule;

/// <summary>One argument of a recorded call: a graph node, a Python constant, or a tuple/list/slice of arguments.</summary>
internal abstract record TmArg
{
    public static implicit operator TmArg(PyObject node) => new TmNodeArg(node);

    public static implicit operator TmArg(long value) => new TmConst(value);

    public static implicit operator TmArg(int value) => new TmConst((long)value);

    public static implicit operator TmArg(double value) => new TmConst(value);

    public static implicit operator TmArg(bool value) => new TmConst(value);

    public static implicit operator TmArg(string value) => new TmConst(value);

    public static TmArg None { get; } = new TmConst(null);

    public static TmArg Tuple(IEnumerable<long> values) => new TmSeq(TmPy.TupleClass, [.. values.Select(v => (TmArg)v)]);

    public static TmArg List(IEnumerable<long> values) => new TmSeq(TmPy.ListClass, [.. values.Select(v => (TmArg)v)]);

    public static TmArg Slice(long? start, long? stop, long? step) =>
        new TmSeq(TmPy.SliceType, [Opt(start), Opt(stop), Opt(step)]);

    private static TmArg Opt(long? v) => v is { } x ? x : None;
}

/// <summary>A TensorNode or ModuleNode operand.</summary>
internal sealed record TmNodeArg(PyObject Node) : TmArg;

/// <summary>A constant leaf: int (long), float (double), bool, str, None or a class global (numpy scalar type).</summary>
internal sealed record TmConst(object? Value) : TmArg;

/// <summary>A tuple, list or slice of arguments.</summary>
internal sealed record TmSeq(PyGlobal Type, IReadOnlyList<TmArg> Items) : TmArg;

/// <summary>A call's arguments flattened the way pytree records them: node inputs, const_val pairs and the TreeDef.</summary>
internal sealed class TmFlatArgs
{
    private int _leaves;

    private TmFlatArgs()
    {
    }

    public PyList Inputs { get; } = [];

    public PyList ConstVal { get; } = [];

    public PyObject ArgDef { get; private set; } = null!;

    public static TmFlatArgs Of(IReadOnlyList<TmArg> args)
    {
        var flat = new TmFlatArgs();
        flat.ArgDef = TmPy.CallTree([.. args.Select(flat.Def)]);
        return flat;
    }

    private PyObject Def(TmArg arg)
    {
        switch (arg)
        {
            case TmNodeArg n:
                Inputs.Add(n.Node);
                _leaves++;
                return TmPy.Leaf(n.Node.Class == TmPy.ModuleNode ? TmPy.ModuleLeafType : TmPy.TensorLeafType);
            case TmConst c:
                ConstVal.Add(new PyTuple([(long)_leaves, c.Value]));
                _leaves++;
                return TmPy.Leaf(new PyTuple([LeafType(c.Value), TmPy.ArgsIndex]), c.Value);
            case TmSeq s:
                var children = s.Items.Select(Def).ToList();
                return TmPy.Tree(s.Type, null, children);
            default:
                throw new ArgumentException($"unknown argument {arg}");
        }
    }

    private static object LeafType(object? value) => value switch
    {
        null => TmPy.NoneType,
        bool => TmPy.Bool,
        long => TmPy.Int,
        double => TmPy.Float,
        string => TmPy.Str,
        PyGlobal => TmPy.Type,
        _ => throw new ArgumentException($"no pytree leaf type for {PyValues.Repr(value)}"),
    };
}
