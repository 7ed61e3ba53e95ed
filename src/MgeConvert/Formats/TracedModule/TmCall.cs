using MgeConvert.Formats.Pickle;
using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Formats.TracedModule;

/// <summary>
/// One call being converted: its rebuilt positional arguments (tensors bound to IR values, constants as
/// Python values), keyword arguments, output nodes, and the module for module calls.
/// </summary>
internal sealed class TmCall(TmConverter converter, TmExpr expr, IReadOnlyList<object?> args, PyDict kwargs, TmModule? module, string key)
{
    public TmConverter Converter { get; } = converter;

    public TmExpr Expr { get; } = expr;

    public IReadOnlyList<object?> Args { get; } = args;

    public PyDict Kwargs { get; } = kwargs;

    public TmModule? Module { get; } = module;

    /// <summary>The op table key (module class, function or Tensor method).</summary>
    public string Key { get; } = key;

    public GraphBuilder B => Converter.Builder;

    public int Count => Args.Count;

    public object? Arg(int index, object? fallback = null) => index < Args.Count ? Args[index] : fallback;

    public bool HasArg(int index) => index < Args.Count && Args[index] is not null;

    /// <summary>A tensor operand; Python numbers become constants of <paramref name="like"/>'s type (float32 by default).</summary>
    public Value Tensor(int index, Value? like = null) => Converter.AsValue(Arg(index), like, Where);

    public long Int(int index, long? fallback = null) => Converter.AsLong(index < Args.Count ? Args[index] : null, fallback, Where + $" argument {index}");

    public double Float(int index, double? fallback = null) =>
        PyValues.TryGetDouble(Arg(index), out var d) ? d
        : Arg(index) is Value { Constant: { } c } && c.ElementCount == 1 ? c.ToDoubles()[0]
        : fallback ?? throw Error($"argument {index} must be a number, got {Describe(Arg(index))}");

    public bool Bool(int index, bool fallback = false) => Arg(index) is { } v ? PyValues.IsTrue(v) : fallback;

    public string? String(int index) => Arg(index) as string;

    /// <summary>An int or a sequence of ints (tuple/list, constant tensor); null for None.</summary>
    public long[]? Ints(int index) => Converter.AsLongs(Arg(index), Where + $" argument {index}");

    public TmNode OutNode(int index = 0) => Expr.Outputs[index];

    /// <summary>The traced static shape of an output.</summary>
    public long[] OutShape(int index = 0) =>
        OutNode(index).Shape ?? throw Error($"output {OutNode(index).Name} has no recorded shape");

    public Value Emit(Op op, params Value?[] inputs) => B.Apply(op, inputs);

    public Value[] EmitMulti(Op op, params Value?[] inputs) => B.ApplyMulti(op, inputs);

    public string Where => $"{Key} ({OutputNames})";

    public ModelFormatException Error(string message) => Converter.Loader.Error(message, Where);

    public long[] Spatial(object? value, int rank, string what) =>
        Converter.AsLongs(value, Where + " " + what) is { } v
            ? v.Length == 1 ? [.. Enumerable.Repeat(v[0], rank)] : v.Length == rank ? v : throw Error($"{what} has {v.Length} values, expected {rank}")
            : throw Error($"{what} is missing");

    /// <summary>An attribute of the called module.</summary>
    public object? Attr(string name) => (Module ?? throw Error("not a module call")).Attr(name);

    private string OutputNames => string.Join(", ", Expr.Outputs.Select(o => o.Name));

    private static string Describe(object? v) => v is Value val ? $"tensor {val.Name}" : PyValues.Repr(v);
}
