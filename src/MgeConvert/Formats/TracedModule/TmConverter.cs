using MgeConvert.Formats.Pickle;
using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using MgeConvert.Quantization;

namespace MgeConvert.Formats.TracedModule;

/// <summary>
/// Converts a loaded TracedModule into the IR: walks the top graph's exprs, inlines traced sub-modules
/// (flattening, with MegEngine's "&lt;call node&gt;_" name prefixes), maps module calls, functions, tensor
/// methods and Apply ops through <see cref="TmOpTable"/>, and records QAT quantization on the values.
/// </summary>
internal sealed class TmConverter
{
    private const int MaxModuleNesting = 64;
    private readonly List<UnsupportedOp> _unsupported = [];
    private readonly List<TmGraph> _active = [];
    private readonly ConversionOptions _options;

    public TmConverter(TmLoader loader, ConversionOptions options)
    {
        Loader = loader;
        _options = options;
        Quant = new TmQuant(loader);
        Builder = new GraphBuilder(options.GraphName);
    }

    public TmLoader Loader { get; }

    public TmQuant Quant { get; }

    public GraphBuilder Builder { get; }

    /// <summary>Name prefix of the graph being inlined ("" at the top).</summary>
    public string Prefix { get; private set; } = "";

    /// <summary>Whether any QAT module or qparams were seen.</summary>
    public bool HasQat { get; private set; }

    public Graph Convert(TmModule root)
    {
        var top = Loader.GraphOf(root, null);
        var inputs = new List<object?>();
        foreach (var node in top.Inputs.Skip(1))
        {
            if (node.IsModule)
            {
                throw Loader.Error($"graph input {node.Name} is a module; only tensor inputs can be converted");
            }

            var dtype = node.DType is { } d ? Wrap(d.ToDataType, node.Name) : DataType.Float32;
            var value = Builder.Input(node.Name, dtype.Storage, node.Shape is { } s ? new Shape(s) : Shape.Unknown);
            if (Quant.FromQParams(node.QParams) is { } q)
            {
                Annotate(value, q);
            }

            inputs.Add(value);
        }

        ApplyInputOptions(Builder.Graph.Inputs);
        _active.Add(top);
        var outputs = RunGraph(top, root, inputs, "");
        if (_options.EndPoints is { Count: > 0 } endPoints)
        {
            return WithEndPoints(endPoints);
        }

        for (var i = 0; i < outputs.Length; i++)
        {
            var node = top.Outputs[i];
            var value = outputs[i] as Value ?? throw Loader.Error($"graph output {node.Name} is not a tensor");
            if (value.Name != node.Name || Builder.Graph.Outputs.Contains(value) || value.IsConstant || Builder.Graph.Inputs.Contains(value))
            {
                var alias = Builder.ApplyNamed(node.Name, [node.Name], new Identity(), value)[0];
                CopyQuant(value, alias);
                value = alias;
            }

            Builder.Output(value);
        }

        if (_unsupported.Count > 0)
        {
            throw new UnsupportedOpsException(Loader.File, "the TracedModule reader", _unsupported);
        }

        return Builder.Graph;
    }

    /// <summary>--end_point: the named values (top-graph node names) become the outputs; nodes they do not need are dropped.</summary>
    private Graph WithEndPoints(IReadOnlyList<string> names)
    {
        if (_unsupported.Count > 0)
        {
            throw new UnsupportedOpsException(Loader.File, "the TracedModule reader", _unsupported);
        }

        var graph = Builder.Graph;
        var byName = graph.Inputs.Concat(graph.Nodes.SelectMany(n => n.Outputs)).GroupBy(v => v.Name).ToDictionary(g => g.Key, g => g.First());
        var missing = names.Where(n => !byName.ContainsKey(n)).ToList();
        if (missing.Count > 0)
        {
            throw new ModelFormatException(Loader.File, $"end point(s) {string.Join(", ", missing)} not found among the graph's values");
        }

        graph.Outputs.AddRange(names.Select(n => byName[n]));
        var needed = new HashSet<Value>(graph.Outputs);
        var kept = new List<Node>();
        for (var i = graph.Nodes.Count - 1; i >= 0; i--)
        {
            var node = graph.Nodes[i];
            if (node.Outputs.Any(needed.Contains))
            {
                kept.Add(node);
                needed.UnionWith(node.Inputs.OfType<Value>());
            }
        }

        kept.Reverse();
        graph.Nodes.Clear();
        graph.Nodes.AddRange(kept);
        return graph;
    }

    /// <summary>Runs one graph: binds inputs (self first), converts every expr, returns the output bindings.</summary>
    public object?[] RunGraph(TmGraph graph, TmModule owner, IReadOnlyList<object?> inputs, string prefix)
    {
        if (graph.Inputs.Count - 1 != inputs.Count)
        {
            throw Loader.Error($"graph {graph.Name} takes {graph.Inputs.Count - 1} inputs, the call passes {inputs.Count}");
        }

        var saved = Prefix;
        Prefix = prefix;
        var env = new Dictionary<TmNode, object?>(ReferenceEqualityComparer.Instance) { [graph.Inputs[0]] = owner };
        for (var i = 0; i < inputs.Count; i++)
        {
            env[graph.Inputs[i + 1]] = inputs[i];
        }

        foreach (var expr in graph.Exprs)
        {
            Execute(expr, env);
        }

        Prefix = saved;
        return [.. graph.Outputs.Select(n => env.TryGetValue(n, out var v) ? v : throw Loader.Error($"graph {graph.Name} output {n.Name} is never computed"))];
    }

    public Value AsValue(object? value, Value? like, string where)
    {
        switch (value)
        {
            case Value v:
                return v;
            case NdArray a:
                return Builder.Constant("const_val", Wrap(() => a.ToTensor(), where));
            case PyObject when TmLoader.IsTensor(value):
                return Builder.Constant("const_val", Loader.TensorData(value, where));
        }

        var element = like?.DType.Element ?? ElementType.Float32;
        if (value is long or bool or double || value is System.Numerics.BigInteger)
        {
            PyValues.TryGetDouble(value, out var d);
            if (like is null && value is long or bool)
            {
                element = ElementType.Int32;
            }

            return Builder.Constant("const_val", ScalarTensor(d, element));
        }

        if (value is PyList or PyTuple && AsDoubles(value) is { } list)
        {
            var t = Tensor.FromFloats(new Shape(list.Length), [.. list.Select(x => (float)x)]);
            return Builder.Constant("const_val", element == ElementType.Float32 ? t : CastTensor(t, element));
        }

        throw Loader.Error($"expected a tensor operand, got {PyValues.Repr(value)}", where);
    }

    public long AsLong(object? value, long? fallback, string where)
    {
        if (PyValues.TryGetLong(value, out var l))
        {
            return l;
        }

        if (value is Value { Constant: { } c } && c.ElementCount == 1)
        {
            return c.ToInt64s()[0];
        }

        if (value is NdArray { ElementCount: 1 } a)
        {
            return a.ToTensor().ToInt64s()[0];
        }

        return value is null && fallback is { } f ? f : throw Loader.Error($"expected an integer, got {Describe(value)}", where);
    }

    public long[]? AsLongs(object? value, string where) => value switch
    {
        null => null,
        PyTuple or PyList => [.. ((IEnumerable<object?>)value).Select(v => AsLong(v, null, where))],
        Value { Constant: { } c } => c.ToInt64s(),
        Value v => throw Loader.Error($"{v.Name} is computed at run time; a constant is needed here", where),
        NdArray a => a.ToTensor().ToInt64s(),
        _ => [AsLong(value, null, where)],
    };

    /// <summary>Elementwise binary op with type unification and constant folding of small constant operands.</summary>
    public Value Binary(BinaryFunction function, Value a, Value b)
    {
        (a, b) = Unify(a, b);
        if (a.Constant is { } ca && b.Constant is { } cb && ca.ElementCount <= 4096 && cb.ElementCount <= 4096
            && TmFolding.TryBinary(function, ca, cb) is { } folded)
        {
            return Builder.Constant("const_val", folded);
        }

        return Builder.Apply(new Binary(function), a, b);
    }

    public (Value, Value) Unify(Value a, Value b)
    {
        var ea = a.DType.Element;
        var eb = b.DType.Element;
        if (ea == eb)
        {
            return (a, b);
        }

        var target = ea.IsFloat() && !eb.IsFloat() ? ea : eb.IsFloat() && !ea.IsFloat() ? eb : b.IsConstant ? ea : a.IsConstant ? eb : ea;
        return (CastTo(a, target), CastTo(b, target));
    }

    public Value CastTo(Value v, ElementType element)
    {
        if (v.DType.Element == element)
        {
            return v;
        }

        return v.Constant is { } c ? Builder.Constant("const_val", CastTensor(c, element)) : Builder.Apply(new Cast(new DataType(element)), v);
    }

    public void AnnotateWeights(TmModule module, Value? weight, Value? bias, Value? input)
    {
        if (!IsQat(module) || weight is null)
        {
            return;
        }

        HasQat = true;
        if (Quant.Weight(module) is not { } w)
        {
            return;
        }

        Annotate(weight, w);
        if (bias is not null && input is not null && QuantAnnotations.Get(input) is { IsPerTensor: true } qi)
        {
            Annotate(bias, new QuantInfo("int32", int.MinValue, int.MaxValue, [.. w.Scales.Select(s => s * qi.Scale)], new long[w.Scales.Length], w.Scales.Length > 1 ? 0 : null)
            {
                FakeQuantized = BiasIsFakeQuantized(input, qi, w),
            });
        }
    }

    /// <summary>
    /// MegEngine's fake_quant_bias rounds the bias only when the input tensor carries qparams at run time (it is
    /// the output of a fake quantizer, not a graph input) and input and weight are symmetric 8-bit signed.
    /// </summary>
    private bool BiasIsFakeQuantized(Value input, QuantInfo inputInfo, QuantInfo weightInfo) =>
        inputInfo.FakeQuantized && !Builder.Graph.Inputs.Contains(input)
        && inputInfo is { Storage: ElementType.Int8, ZeroPoints: null } && weightInfo is { Storage: ElementType.Int8, ZeroPoints: null };

    public static bool IsQat(TmModule module) => module.ClassPath.Contains(".qat.", StringComparison.Ordinal);

    public static Tensor ScalarTensor(double d, ElementType element) => element switch
    {
        ElementType.Float32 => Tensor.Scalar((float)d),
        _ => CastTensor(Tensor.FromFloats(Shape.Scalar, (float)d), element),
    };

    public static Tensor CastTensor(Tensor t, ElementType element) => TmFolding.Cast(t, element);

    private void Execute(TmExpr expr, Dictionary<TmNode, object?> env)
    {
        switch (expr.Kind)
        {
            case "Input":
                return;
            case "GetAttr":
                GetAttr(expr, env);
                return;
            case "Constant":
                var outNode = expr.Outputs[0];
                var value = expr.ConstantValue;
                env[outNode] = TmLoader.IsTensor(value) || value is NdArray
                    ? Builder.Constant(Prefix + outNode.Name, Loader.TensorData(value, outNode.Name))
                    : Loader.Module(value) ?? value;
                return;
            case "CallMethod" or "CallFunction" or "Apply":
                Call(expr, env);
                return;
            default:
                Unsupported(expr, env, new UnsupportedOp("expr " + expr.Kind, string.Join(",", expr.Outputs.Select(o => o.Name))));
                return;
        }
    }

    private void GetAttr(TmExpr expr, Dictionary<TmNode, object?> env)
    {
        var owner = Bound(expr.Inputs[0], env) as TmModule ?? throw Loader.Error($"getattr {expr.AttrName} on something that is not a module");
        object? target = owner;
        var path = expr.AttrName ?? throw Loader.Error("GetAttr without a name");
        foreach (var part in path.Split('.'))
        {
            var module = target as TmModule ?? throw Loader.Error($"getattr {path}: {part} is looked up on a non-module");
            if (!module.Attrs.TryGetValue(part, out var next))
            {
                throw Loader.Error($"getattr {path}: module {module} has no attribute {part}");
            }

            target = Loader.Module(next) ?? next;
        }

        var outNode = expr.Outputs[0];
        env[outNode] = target is TmModule ? target
            : TmLoader.IsTensor(target) || target is NdArray ? Builder.Constant(Prefix + outNode.Name, Loader.TensorData(target, path))
            : target;
    }

    private void Call(TmExpr expr, Dictionary<TmNode, object?> env)
    {
        var inputs = expr.Inputs.Select(n => Bound(n, env)).ToList();
        object?[] args;
        var kwargs = new PyDict();
        if (expr.Kind == "Apply")
        {
            args = [.. inputs];
        }
        else
        {
            var tree = Wrap(() => TmTreeDef.Unflatten(expr.ArgDef, TmTreeDef.Leaves(inputs, expr.ConstVal)), expr.ToString());
            if (tree is not PyTuple { Count: 2 } pair || pair[0] is not PyTuple positional)
            {
                throw Loader.Error($"{expr}: arguments are not an (args, kwargs) pair");
            }

            args = positional.Items;
            kwargs = pair[1] as PyDict ?? kwargs;
        }

        TmModule? module = null;
        string key;
        switch (expr.Kind)
        {
            case "Apply":
                key = "Apply." + (expr.OpdefType ?? "?");
                break;
            case "CallFunction":
                key = expr.Function ?? throw Loader.Error("CallFunction without a function");
                break;
            default:
                if (expr.Method == "__call__")
                {
                    module = args.Length > 0 ? args[0] as TmModule : null;
                    if (module is null)
                    {
                        throw Loader.Error($"module call on {PyValues.Repr(args.FirstOrDefault())}", string.Join(",", expr.Outputs.Select(o => o.Name)));
                    }

                    if (module.IsTraced)
                    {
                        CallTraced(expr, module, inputs.Skip(1).ToList(), env);
                        return;
                    }

                    key = module.ClassPath;
                    args = args[1..];
                }
                else
                {
                    key = "Tensor." + expr.Method;
                }

                break;
        }

        if (!TmOpTable.Handlers.TryGetValue(key, out var handler))
        {
            Unsupported(expr, env, new UnsupportedOp(key, string.Join(",", expr.Outputs.Select(o => Prefix + o.Name))));
            return;
        }

        var call = new TmCall(this, expr, args, kwargs, module, key);
        var before = Builder.Graph.Nodes.Count;
        Value[] results;
        try
        {
            results = handler(call);
        }
        catch (IrException e) when (_options.AllowUnsupported)
        {
            Unsupported(expr, env, new UnsupportedOp(key, string.Join(",", expr.Outputs.Select(o => Prefix + o.Name)), e.Message));
            return;
        }
        catch (IrException e)
        {
            throw Loader.Error(e.Message, call.Where);
        }
        catch (PickleException e)
        {
            throw Loader.Error(e.Message, call.Where);
        }
        catch (ModelFormatException e) when (e is not UnsupportedOpsException && e.Op == call.Where)
        {
            // The call itself is readable but uses a variant the IR mapping does not cover: list it with the others.
            Unsupported(expr, env, new UnsupportedOp(key, string.Join(",", expr.Outputs.Select(o => Prefix + o.Name)), e.Detail));
            return;
        }

        if (results.Length != expr.Outputs.Count)
        {
            throw Loader.Error($"produced {results.Length} outputs, the graph expects {expr.Outputs.Count}", call.Where);
        }

        var created = Builder.Graph.Nodes.Skip(before).SelectMany(n => n.Outputs).ToHashSet();
        for (var i = 0; i < results.Length; i++)
        {
            var node = expr.Outputs[i];
            var result = results[i];
            if (created.Contains(result) || (result.IsConstant && result.Name.StartsWith("const_val", StringComparison.Ordinal)))
            {
                result.Name = Builder.Graph.UniqueName(Prefix + node.Name);
            }

            RecordQuant(call, node, result, inputs);
            env[node] = result;
        }
    }

    private void CallTraced(TmExpr expr, TmModule module, List<object?> inputs, Dictionary<TmNode, object?> env)
    {
        var graph = Loader.GraphOf(module, expr.ArgDef);
        var callName = expr.Inputs[0].Name;
        if (_active.Contains(graph))
        {
            throw Loader.Error($"sub-module {Prefix + callName} calls graph {graph.Name}, which is already running (cyclic module calls)");
        }

        if (_active.Count >= MaxModuleNesting)
        {
            throw Loader.Error($"sub-modules nested deeper than {MaxModuleNesting} levels at {Prefix + callName}");
        }

        var before = Builder.Graph.Nodes.Count;
        _active.Add(graph);
        var outputs = RunGraph(graph, module, inputs, Prefix + callName + "_");
        _active.RemoveAt(_active.Count - 1);
        if (outputs.Length != expr.Outputs.Count)
        {
            throw Loader.Error($"sub-module {callName} returns {outputs.Length} values, the call expects {expr.Outputs.Count}");
        }

        var created = Builder.Graph.Nodes.Skip(before).SelectMany(n => n.Outputs).ToHashSet();
        for (var i = 0; i < outputs.Length; i++)
        {
            if (outputs[i] is Value v && created.Contains(v))
            {
                v.Name = Builder.Graph.UniqueName(Prefix + expr.Outputs[i].Name);
            }

            env[expr.Outputs[i]] = outputs[i];
        }
    }

    private void RecordQuant(TmCall call, TmNode node, Value result, List<object?> inputs)
    {
        var fromNode = Quant.FromQParams(node.QParams);
        if (fromNode is not null)
        {
            HasQat = true;
            Annotate(result, fromNode);
            return;
        }

        if (call.Module is { } m && IsQat(m))
        {
            HasQat = true;
            if (Quant.Activation(m) is { } act)
            {
                Annotate(result, act);
                return;
            }
        }

        if (QuantAnnotations.Get(result) is null && inputs.FirstOrDefault(i => i is Value) is Value first && QuantAnnotations.Get(first) is { } inherited
            && result.DType.Element.IsFloat())
        {
            Annotate(result, inherited with { FakeQuantized = false });
        }
    }

    private void Annotate(Value value, QuantInfo info)
    {
        HasQat = true;
        QuantAnnotations.Set(value, info);
    }

    private static void CopyQuant(Value from, Value to)
    {
        if (QuantAnnotations.Get(from) is { } q)
        {
            QuantAnnotations.Set(to, q with { FakeQuantized = false });
        }
    }

    private void ApplyInputOptions(List<Value> inputs)
    {
        if (_options.InputScales is not { Count: > 0 } scales || _options.InputDataType is not { } name)
        {
            return;
        }

        var range = QuantInfo.RangeOf(name) ?? throw new ModelFormatException(Loader.File, $"--input_data_type {name}: expected a MegEngine quantized dtype (quint8, qint8, ...) or a numpy integer dtype");
        for (var i = 0; i < inputs.Count; i++)
        {
            var scale = scales[Math.Min(i, scales.Count - 1)];
            long[]? zero = _options.InputZeroPoints is { Count: > 0 } zps ? [zps[Math.Min(i, zps.Count - 1)]] : null;
            Annotate(inputs[i], new QuantInfo(name, range.QMin, range.QMax, [scale], zero));
        }
    }

    /// <summary>
    /// An expr the IR cannot express: listed for the all-at-once error, or, with AllowUnsupported, kept as an
    /// <see cref="Opaque"/> node whose outputs take the types the trace recorded.
    /// </summary>
    private void Unsupported(TmExpr expr, Dictionary<TmNode, object?> env, UnsupportedOp op)
    {
        if (!_options.AllowUnsupported)
        {
            _unsupported.Add(op);
            BindPlaceholders(expr, env);
            return;
        }

        var inputs = expr.Inputs.Select(n => env.GetValueOrDefault(n) as Value).ToArray();
        var tensors = expr.Outputs.Where(n => !n.IsModule).ToList();
        var names = tensors.Select(n => Prefix + n.Name).ToList();
        var outputs = Builder.ApplyNamed(names.FirstOrDefault() ?? "opaque", names, new Opaque("", op.OpType, tensors.Count), inputs);
        foreach (var node in expr.Outputs.Where(n => n.IsModule))
        {
            env[node] = null;
        }

        for (var i = 0; i < tensors.Count; i++)
        {
            var node = tensors[i];
            if (node.DType is { } d)
            {
                outputs[i].Type = new TensorType(Wrap(d.ToDataType, node.Name).Storage, node.Shape is { } s ? new Shape(s) : Shape.Unknown);
            }

            env[node] = outputs[i];
        }
    }

    private void BindPlaceholders(TmExpr expr, Dictionary<TmNode, object?> env)
    {
        foreach (var node in expr.Outputs)
        {
            var dtype = node.DType is { } d ? Wrap(d.ToDataType, node.Name) : DataType.Float32;
            env[node] = node.IsModule ? null : new Value(Prefix + node.Name, new TensorType(dtype.Storage, node.Shape is { } s ? new Shape(s) : Shape.Unknown));
        }
    }

    private object? Bound(TmNode node, Dictionary<TmNode, object?> env) =>
        env.TryGetValue(node, out var v) ? v : throw Loader.Error($"node {node.Name} is used before it is computed");

    private static double[]? AsDoubles(object? value)
    {
        var items = ((IEnumerable<object?>)value!).ToList();
        var result = new double[items.Count];
        for (var i = 0; i < items.Count; i++)
        {
            if (!PyValues.TryGetDouble(items[i], out result[i]))
            {
                return null;
            }
        }

        return result;
    }

    private static string Describe(object? v) => v is Value val ? $"tensor {val.Name}" : PyValues.Repr(v);

    private T Wrap<T>(Func<T> f, string where)
    {
        try
        {
            return f();
        }
        catch (PickleException e)
        {
            throw Loader.Error(e.Message, where);
        }
    }
}
