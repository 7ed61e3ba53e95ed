using MgeConvert.Formats.Mge.Fbs;
using MgeConvert.Ir;

namespace MgeConvert.Formats.Mge.Writing;

/// <summary>A MegEngine var during lowering: id (§6), static shape, dtype.</summary>
internal readonly record struct MgeVar(int Id, Shape Shape, MgeDType DType);

/// <summary>An IR construct MegEngine (or this writer) cannot express; collected per node and reported together.</summary>
internal sealed class MgeWriteUnsupportedException(string reason) : Exception(reason);

/// <summary>
/// Lowers an IR graph to MegEngine operators through <see cref="MgeWriteTable"/>: graph inputs become Host2DeviceCopy,
/// constants ImmutableTensor (emitted where first used), every node one or more operators.
/// </summary>
internal sealed partial class MgeLowering(Graph graph, MgeContainer container)
{
    private readonly Dictionary<Value, MgeVar> _vars = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly HashSet<int> _sourceVars = [];
    private readonly Dictionary<int, Tensor> _constants = [];

    public MgeWriteProgram Program { get; } = new();

    public List<UnsupportedOp> Unsupported { get; } = [];

    public MgeContainer Container { get; } = container;

    /// <summary>MGBS targets MegEngine ≤ 1.7: no Softmax/LayerNorm operators (they arrived in 1.8; docs/mge-format.md §9.2).</summary>
    public bool HasFusedNormOps => Container != MgeContainer.Mgbs;

    public bool IsV2 => Container == MgeContainer.Mgv2;

    public Node Current { get; private set; } = null!;

    public void Run()
    {
        foreach (var output in graph.Outputs)
        {
            _names.Add(output.Name);
        }

        foreach (var input in graph.Inputs)
        {
            EmitInput(input);
        }

        foreach (var node in graph.Nodes)
        {
            Current = node;
            if (!MgeWriteTable.Rules.TryGetValue(node.Op.GetType(), out var rule))
            {
                Unsupported.Add(new UnsupportedOp(node.Op.Name, node.Name, "MegEngine has no operator for it"));
                continue;
            }

            try
            {
                var outputs = rule(this);
                for (var k = 0; k < node.Outputs.Count && k < outputs.Length; k++)
                {
                    Bind(node.Outputs[k], outputs[k]);
                }
            }
            catch (MgeWriteUnsupportedException e)
            {
                Unsupported.Add(new UnsupportedOp(node.Op.Name, node.Name, e.Message));
            }
        }

        if (Unsupported.Count == 0)
        {
            EmitOutputs();
        }
    }

    public Value InValue(int index) => Current.Inputs[index] ?? throw new MgeWriteUnsupportedException($"input {index} is absent");

    public bool HasInput(int index) => index < Current.Inputs.Count && Current.Inputs[index] is not null;

    public MgeVar In(int index) => Var(InValue(index));

    public Shape OutShape(int index = 0) => Static(Current.Outputs[index].Shape, $"output {index}");

    public MgeDType OutDType(int index = 0) => DType(Current.Outputs[index].DType);

    public MgeVar Var(Value v)
    {
        if (_vars.TryGetValue(v, out var var))
        {
            return var;
        }

        if (v.Constant is { } t)
        {
            var c = Const(t, v.Name);
            _vars[v] = c;
            return c;
        }

        throw new MgeWriteUnsupportedException($"value {v.Name} has no MegEngine var (its producer was not lowered)");
    }

    public static Shape Static(Shape s, string what) =>
        s.IsStatic ? s : throw new MgeWriteUnsupportedException($"{what} has a dynamic shape {s}; MegEngine dumps need static shapes");

    public static MgeDType DType(DataType t) =>
        MgeWriteDTypes.From(t) ?? throw new MgeWriteUnsupportedException($"MegEngine has no dtype for {t}");

    /// <summary>Appends an operator; returns its numbered outputs (all of <paramref name="outShapes"/>/<paramref name="outTypes"/>).</summary>
    public MgeVar[] EmitMulti(string cls, IReadOnlyList<MgeWriteParam> ps, IReadOnlyList<MgeVar> inputs, Shape[] outShapes, MgeDType[] outTypes,
        IReadOnlyList<MgeWriteTensor>? tensors = null, MgeDType? outputDType = null)
    {
        var first = Program.VarCount;
        var result = new MgeVar[outShapes.Length];
        for (var k = 0; k < outShapes.Length; k++)
        {
            Program.VarNames.Add(UniqueName($"{(Current is null ? "input" : Current.Name)}:{cls}{(k > 0 ? $"_{k}" : "")}"));
            Program.VarTypes.Add(outTypes[k]);
            result[k] = new MgeVar(first + k, outShapes[k], outTypes[k]);
        }

        Program.Ops.Add(new MgeWriteOp
        {
            Class = cls,
            Params = ps,
            Inputs = [.. inputs.Select(v => (uint)v.Id)],
            FirstOutput = first,
            OutputCount = outShapes.Length,
            Tensors = tensors ?? [],
            OutputDType = outputDType,
        });
        return result;
    }

    public MgeVar Emit(string cls, IReadOnlyList<MgeWriteParam> ps, IReadOnlyList<MgeVar> inputs, Shape shape, MgeDType dtype, MgeDType? outputDType = null) =>
        EmitMulti(cls, ps, inputs, [shape], [dtype], null, outputDType)[0];

    public MgeVar Emit(string cls, MgeWriteParam p, Shape shape, MgeDType dtype, params MgeVar[] inputs) => Emit(cls, [p], inputs, shape, dtype);

    /// <summary>An ImmutableTensor (no param, one anonymous valued tensor; §7.4). MegEngine has no 0-d tensors: scalars get shape [1].</summary>
    public MgeVar Const(Tensor t, string? name = null)
    {
        var dtype = DType(t.DType);
        var shape = t.Shape.Rank == 0 ? new Shape(1) : t.Shape;
        var data = MgeWriteDTypes.Encode(t, Current?.Name ?? "constant");
        var tensor = new MgeWriteTensor(null, Dims(shape), dtype, data);
        var v = EmitMulti("ImmutableTensor", [], [], [shape], [dtype], [tensor])[0] with { Shape = t.Shape };
        _sourceVars.Add(v.Id);
        _constants[v.Id] = t;
        if (name is not null)
        {
            Program.VarNames[v.Id] = UniqueName(name);
        }

        return v;
    }

    public MgeVar ConstInts(params long[] values) => Const(Tensor.FromInt32s(new Shape(values.Length), [.. values.Select(v => checked((int)v))]));

    /// <summary>A one-element constant of <paramref name="like"/>'s dtype (float or integer).</summary>
    public MgeVar Scalar(double value, MgeDType like, int rank = 1)
    {
        var shape = new Shape([.. Enumerable.Repeat(1L, Math.Max(rank, 1))]);
        var t = like.Kind switch
        {
            DTypeEnum.Float32 => Tensor.FromFloats(shape, (float)value),
            DTypeEnum.Float16 => Tensor.Create(Ir.DataType.Float16, shape, new[] { (Half)value }),
            DTypeEnum.Int32 => Tensor.FromInt32s(shape, (int)value),
            _ => throw new MgeWriteUnsupportedException($"no scalar constant of dtype {like}"),
        };
        return Const(t);
    }

    /// <summary>The value of a var that is an ImmutableTensor this lowering emitted, else null.</summary>
    public Tensor? ConstantOf(MgeVar v) => _constants.GetValueOrDefault(v.Id);

    public static uint[] Dims(Shape s) => [.. s.ToArray().Select(d => checked((uint)d))];

    private void EmitInput(Value input)
    {
        var shape = input.Shape;
        if (!shape.IsStatic)
        {
            Unsupported.Add(new UnsupportedOp("input", input.Name,
                $"input shape {shape} is not static; Host2DeviceCopy records the shape (export the model with fixed input shapes)"));
            return;
        }

        var dtype = MgeWriteDTypes.From(input.DType);
        if (dtype is null)
        {
            Unsupported.Add(new UnsupportedOp("input", input.Name, $"MegEngine has no dtype for {input.DType}"));
            return;
        }

        var stored = shape.Rank == 0 ? new Shape(1) : shape;
        var tensor = new MgeWriteTensor(input.Name, Dims(stored), dtype, null);
        var v = EmitMulti("Host2DeviceCopy", [MgeWriteParams.Host2DeviceCopy()], [], [stored], [dtype], [tensor])[0];
        _names.Add(input.Name);
        Program.VarNames[v.Id] = input.Name;
        _sourceVars.Add(v.Id);
        _vars[input] = v;
    }

    private void Bind(Value value, MgeVar var)
    {
        _vars[value] = var;
        if (!_sourceVars.Contains(var.Id) && Program.VarNames[var.Id].Contains(':', StringComparison.Ordinal))
        {
            Program.VarNames[var.Id] = _names.Contains(value.Name) && !graph.Outputs.Contains(value) ? UniqueName(value.Name) : value.Name;
            _names.Add(value.Name);
        }
    }

    /// <summary>Graph outputs need their own var with a unique name: inputs, constants and repeated values get a Reshape to their own shape.</summary>
    private void EmitOutputs()
    {
        var used = new HashSet<int>();
        foreach (var output in graph.Outputs)
        {
            Current = null!;
            MgeVar var;
            try
            {
                var = Var(output);
                if (_sourceVars.Contains(var.Id) || !used.Add(var.Id) || Program.VarNames[var.Id] != output.Name)
                {
                    var shape = Static(var.Shape, $"output {output.Name}");
                    var = Reshape(var, shape, force: true);
                    used.Add(var.Id);
                }
            }
            catch (MgeWriteUnsupportedException e)
            {
                Unsupported.Add(new UnsupportedOp("output", output.Name, e.Message));
                continue;
            }

            Program.VarNames[var.Id] = output.Name;
            Program.Outputs.Add((var.Id, output.Name));
        }
    }

    private string UniqueName(string name)
    {
        var candidate = name;
        for (var i = 1; _names.Contains(candidate); i++)
        {
            candidate = $"{name}_{i}";
        }

        _names.Add(candidate);
        return candidate;
    }
}
