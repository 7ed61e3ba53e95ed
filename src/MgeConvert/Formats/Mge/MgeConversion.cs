using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Formats.Mge;

/// <summary>State of one dump → IR conversion: var id → IR value, the builder, helpers shared by the op converters.</summary>
internal sealed class MgeConversion(string file, MgeDump dump, GraphBuilder builder)
{
    private readonly Dictionary<int, Value> _vars = [];
    private readonly Dictionary<int, string?> _unavailable = [];
    private readonly Dictionary<Value, Value> _dequantized = [];

    public string File { get; } = file;

    public MgeDump Dump { get; } = dump;

    public GraphBuilder Builder { get; } = builder;

    public MgeOperatorRecord Current { get; set; } = null!;

    public void Bind(int var, Value value) => _vars[var] = value;

    /// <summary>Marks a var the IR has no value for; <paramref name="reason"/> null = it depends on an operator already reported.</summary>
    public void MarkUnavailable(int var, string? reason) => _unavailable[var] = reason;

    public bool IsBound(int var) => _vars.ContainsKey(var);

    public Value Var(int var)
    {
        if (_vars.TryGetValue(var, out var v))
        {
            return v;
        }

        if (_unavailable.TryGetValue(var, out var reason))
        {
            throw reason is null ? new MgeSkippedException() : new MgeUnsupportedException(reason);
        }

        throw new ModelFormatException(File, $"{Current.Describe} reads var {var}, which no earlier operator produces", op: Current.Describe);
    }

    /// <summary>Input <paramref name="index"/> of the current operator.</summary>
    public Value In(int index)
    {
        if (index >= Current.Inputs.Length)
        {
            throw new ModelFormatException(File, $"{Current.Describe} has {Current.Inputs.Length} inputs, expected at least {index + 1}", op: Current.Describe);
        }

        return Var((int)Current.Inputs[index]);
    }

    public int InputCount => Current.Inputs.Length;

    /// <summary>Name MegEngine gave to output <paramref name="index"/> of the current operator, else a readable default.</summary>
    public string OutputName(int index = 0)
    {
        if (index < Current.Outputs.Count && Dump.VarNames.TryGetValue(Current.Outputs[index], out var name) && name.Length > 0)
        {
            return name;
        }

        return Current.Type.ToLowerInvariant() + (index > 0 ? $"_{index}" : "");
    }

    public Value Apply(Op op, params Value?[] inputs) => Builder.ApplyNamed(null, null, op, inputs)[0];

    public Value[] ApplyMulti(Op op, params Value?[] inputs) => Builder.ApplyNamed(null, null, op, inputs);

    public Value Constant(Tensor t, string? name = null) => Builder.Constant(name ?? "const", t);

    /// <summary>Integer values of an input that must be known at conversion time (shapes, indices, sizes).</summary>
    public long[] ConstInts(int index, string what)
    {
        var v = In(index);
        return v.Constant?.ToInt64s()
            ?? throw new MgeUnsupportedException($"{what} (input {index}) is computed at run time; only constant {what} is supported");
    }

    /// <summary>Float view of a value: quantized values are dequantized (a Cast; Int32 constants directly).</summary>
    public Value Float(Value v)
    {
        if (!v.DType.IsQuantized)
        {
            return v;
        }

        if (!_dequantized.TryGetValue(v, out var f))
        {
            // Int32 quantized constants are biases (scale = input scale × weight scale): stored as floats,
            // since 32-bit dequantization is missing from many targets.
            _dequantized[v] = f = v.Constant is { DType.Element: ElementType.Int32 } bias
                ? Constant(Tensor.FromFloats(bias.Shape, bias.Dequantize()), v.Name)
                : Apply(new Cast(DataType.Float32), v);
            if (f.IsConstant && v.IsConstant)
            {
                Quantization.DequantizedConstants.Set(f, v.DType);
            }
        }

        return f;
    }

    /// <summary>Casts a float result to <paramref name="target"/> when it differs (quantizes for quantized targets).</summary>
    /// <remarks>
    /// Float results headed for QuantizedS32 (accumulators: scale = input scale × weight scale) stay float;
    /// rounding to that tiny step changes nothing the following requantization can see.
    /// </remarks>
    public Value To(Value v, DataType target)
    {
        if (v.DType == target || (target is { IsQuantized: true, Element: ElementType.Int32 } && v.DType.Element == ElementType.Float32 && !v.DType.IsQuantized))
        {
            return v;
        }

        return Apply(new Cast(target), v);
    }

    /// <summary>The output dtype the current operator declares (quantized operators), else <paramref name="fallback"/>.</summary>
    public DataType OutputDType(DataType fallback) =>
        Current.OutputDType is { } d ? MgeDTypes.Require(d, Current.Describe + " output") : fallback;

    public T Param<T>(Fbs.OperatorParam tag)
        where T : struct, Google.FlatBuffers.IFlatbufferObject =>
        Current.Param(tag) is { } p ? p.As<T>()
            : throw new ModelFormatException(File, $"{Current.Describe} has no {tag} param", op: Current.Describe);

    /// <summary>Scalar float constant of the given float type.</summary>
    public Value Scalar(float value, DataType dtype) => dtype.Element switch
    {
        ElementType.Float16 => Constant(Tensor.Create(DataType.Float16, Shape.Scalar, new[] { (Half)value })),
        ElementType.Int32 => Constant(Tensor.FromInt32s(Shape.Scalar, (int)value)),
        _ => Constant(Tensor.Scalar(value)),
    };
}
