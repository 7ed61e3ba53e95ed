namespace MgeConvert.Ir;

/// <summary>Evaluates an op whose inputs are known at conversion time (constant folding while building).</summary>
public interface IConstantEvaluator
{
    /// <summary>Output tensors when <paramref name="op"/> can be computed from <paramref name="inputs"/> now, else null.</summary>
    Tensor[]? TryEvaluate(Op op, IReadOnlyList<Value?> inputs);
}

/// <summary>
/// Builds a graph node by node, inferring output types. With an <see cref="Evaluator"/>, ops whose inputs
/// are constant are folded immediately, so readers can resolve shape subgraphs as they go.
/// </summary>
public sealed class GraphBuilder
{
    public GraphBuilder(string name = "graph", IConstantEvaluator? evaluator = null)
        : this(new Graph(name), evaluator)
    {
    }

    public GraphBuilder(Graph graph, IConstantEvaluator? evaluator = null)
    {
        Graph = graph;
        Evaluator = evaluator;
    }

    public Graph Graph { get; }

    public IConstantEvaluator? Evaluator { get; set; }

    public Value Input(string name, DataType dtype, Shape shape)
    {
        var value = new Value(Graph.UniqueName(name), new TensorType(dtype, shape));
        Graph.Inputs.Add(value);
        return value;
    }

    public Value Constant(string name, Tensor data) => new(Graph.UniqueName(name), data);

    public Value Constant(Tensor data) => Constant("const", data);

    public void Output(Value value) => Graph.Outputs.Add(value);

    /// <summary>Adds a single-output op and returns its output.</summary>
    public Value Apply(Op op, params Value?[] inputs) => ApplyNamed(null, null, op, inputs)[0];

    /// <summary>Adds an op and returns all of its outputs.</summary>
    public Value[] ApplyMulti(Op op, params Value?[] inputs) => ApplyNamed(null, null, op, inputs);

    /// <summary>
    /// Adds an op with a node name and output names (made unique; null picks names). Returns the outputs,
    /// which are constants and no node is added when the evaluator folded the op.
    /// </summary>
    public Value[] ApplyNamed(string? nodeName, IReadOnlyList<string>? outputNames, Op op, params Value?[] inputs)
    {
        CheckArity(op, inputs);
        var name = Graph.UniqueName(nodeName ?? op.Name.ToLowerInvariant());
        var folded = Evaluator?.TryEvaluate(op, inputs);
        if (folded is not null)
        {
            return [.. folded.Select((t, i) => new Value(OutputName(name, outputNames, i, folded.Length), t))];
        }

        var types = InferTypes(op, inputs);
        var outputs = types.Select((t, i) => new Value(OutputName(name, outputNames, i, types.Length), t)).ToArray();
        Graph.Nodes.Add(new Node(name, op, inputs, outputs));
        return outputs;
    }

    /// <summary>Type inference of an op; any failure on inconsistent inputs or attributes is an <see cref="IrException"/>.</summary>
    private static TensorType[] InferTypes(Op op, Value?[] inputs)
    {
        try
        {
            return op.InferTypes(new InferenceContext(op, inputs));
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or ArithmeticException or IndexOutOfRangeException)
        {
            throw new IrException($"{op.Name}: inputs {string.Join(", ", inputs.Select(v => v?.Type.ToString() ?? "-"))} do not fit the op ({e.Message})");
        }
    }

    internal static void CheckArity(Op op, IReadOnlyList<Value?> inputs)
    {
        if (inputs.Count < op.MinInputs || inputs.Count > op.MaxInputs)
        {
            var expected = op.MinInputs == op.MaxInputs ? $"{op.MinInputs}" : $"{op.MinInputs}..{op.MaxInputs}";
            throw new IrException($"{op.Name}: expected {expected} inputs, got {inputs.Count}");
        }

        for (var i = 0; i < op.MinInputs; i++)
        {
            if (inputs[i] is null)
            {
                throw new IrException($"{op.Name}: required input {i} is missing");
            }
        }
    }

    private string OutputName(string nodeName, IReadOnlyList<string>? names, int index, int count)
    {
        var wanted = names is not null && index < names.Count ? names[index] : count == 1 ? nodeName : $"{nodeName}:{index}";
        return wanted == nodeName && names is null ? wanted : Graph.UniqueName(wanted);
    }
}
