using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Formats.Mge;

/// <summary>Reads MegEngine graph dumps (<c>mgv2</c>, <c>MGBC</c>, <c>MGBS</c>, optionally in an <c>mgbtest0</c> wrapper) into the IR.</summary>
public sealed class MgeReader : IModelReader
{
    private const string ExpectSuffix = ":expect";

    public ModelFormat Format => ModelFormat.Mge;

    public bool CanRead(ReadOnlySpan<byte> header) => MgeDetector.LooksLikeMge(header);

    public ImportedModel Read(string path, ConversionOptions options)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (IOException e)
        {
            throw new ModelFormatException(path, $"cannot read the file: {e.Message}", inner: e);
        }

        return Read(path, bytes, options);
    }

    /// <summary>Reads a dump held in memory; constants slice <paramref name="bytes"/> (no copy of the weights).</summary>
    public ImportedModel Read(string path, byte[] bytes, ConversionOptions options) => Read(path, new ArraySegment<byte>(bytes), options);

    /// <summary>Reads a dump that starts at the segment's offset (a writer's buffer); constants slice the array.</summary>
    internal static ImportedModel Read(string path, ArraySegment<byte> dump, ConversionOptions options)
    {
        try
        {
            return ReadChecked(path, dump.Array!, dump.Offset, options);
        }
        catch (Exception e) when (e is not ModelFormatException)
        {
            throw new ModelFormatException(path, $"corrupt or unsupported graph dump: {e.Message}", inner: e);
        }
    }

    private static ImportedModel ReadChecked(string path, byte[] bytes, int start, ConversionOptions options)
    {
        var layout = MgeDetector.Detect(path, bytes.AsSpan(start));
        var dump = MgeDumpLoader.Load(path, bytes, start + layout.Start, layout.Container);
        if (dump.OptimizeOptions >> 32 != 0)
        {
            throw new ModelFormatException(path,
                $"the graph was dumped with a layout transform (optimize_options 0x{dump.OptimizeOptions:X}); its tensors are not plain NCHW. Re-dump without layout transforms");
        }

        var graph = MgeGraphConverter.Convert(path, dump, options, Path.GetFileNameWithoutExtension(path));
        graph.Metadata["source.format"] = "MegEngine graph dump";
        graph.Metadata["source.container"] = dump.Container;
        graph.Metadata["source.mge_version"] = dump.Version.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var model = new ImportedModel(graph, ModelFormat.Mge, dump.Container);
        model.Details.Add($"container {dump.Container}, writer version {dump.Version}, {dump.Operators.Count} operators");
        if (layout.TestCaseCount > 0)
        {
            ReadTestCase(path, bytes, dump, layout.TestCaseCount, model);
        }

        return model;
    }

    /// <summary>
    /// The first test case after the model (§11.3): one tensor per model input, paired with the inputs in
    /// name order; inputs named "*:expect" are expected outputs and are not kept.
    /// </summary>
    private static void ReadTestCase(string path, byte[] bytes, MgeDump model, int count, ImportedModel result)
    {
        var layout = MgeDetector.Detect(path, bytes.AsSpan(model.End));
        var testCase = MgeDumpLoader.Load(path, bytes, model.End + layout.Start, layout.Container);
        var inputNames = model.Operators.Where(o => o.Type == "Host2DeviceCopy" && o.Tensors.Count == 1)
            .Select(o => o.Tensors[0].Name ?? "").Order(StringComparer.Ordinal).ToList();
        var tensors = testCase.Outputs.Select(o => testCase.Operators.FirstOrDefault(op => op.Outputs.Contains(o.Var)))
            .Select(op => op?.Tensors.FirstOrDefault()).ToList();
        var cx = new MgeConversion(path, testCase, new GraphBuilder()) { Current = testCase.Operators.FirstOrDefault()! };
        for (var i = 0; i < Math.Min(inputNames.Count, tensors.Count); i++)
        {
            if (tensors[i] is { } t && !inputNames[i].EndsWith(ExpectSuffix, StringComparison.Ordinal) && result.Graph.Inputs.Any(v => v.Name == inputNames[i]))
            {
                result.EmbeddedInputs[inputNames[i]] = MgeSourceOps.ToTensor(cx, t);
            }
        }

        result.Details.Add($"test-case wrapper with {count} case(s); inputs of the first case embedded");
    }
}

/// <summary>Turns a loaded dump into an IR graph through <see cref="MgeOpTable"/>.</summary>
internal static class MgeGraphConverter
{
    public static Graph Convert(string path, MgeDump dump, ConversionOptions options, string graphName)
    {
        var unknown = dump.Operators.Where(o => !MgeOpTable.Converters.ContainsKey(o.Type))
            .Select(o => new UnsupportedOp(o.IsKnownType ? o.Type : "unknown operator " + o.Type, o.Name ?? $"#{o.Index}")).ToList();
        if (unknown.Count > 0 && !options.AllowUnsupported)
        {
            throw new UnsupportedOpsException(path, "the MegEngine reader", unknown);
        }

        var builder = new GraphBuilder(string.IsNullOrEmpty(options.GraphName) || options.GraphName == "graph" ? graphName : options.GraphName, new Reference.ConstantEvaluator(4096));
        var outputs = SelectOutputs(path, dump, options);
        var inputVars = dump.Operators.Where(o => o.Type == "Host2DeviceCopy").SelectMany(o => o.Outputs).ToHashSet();
        foreach (var (var, name) in outputs)
        {
            if (!inputVars.Contains(var))
            {
                builder.Graph.ReserveName(name);
            }
        }

        var cx = new MgeConversion(path, dump, builder);
        var unsupported = new List<UnsupportedOp>();
        var named = new HashSet<Value>();
        foreach (var op in dump.Operators)
        {
            cx.Current = op;
            Value?[] values;
            try
            {
                values = MgeOpTable.Converters.TryGetValue(op.Type, out var converter) ? converter(cx) : Placeholder(cx);
            }
            catch (Exception e) when (options.AllowUnsupported && e is MgeUnsupportedException or IrException)
            {
                values = Placeholder(cx);
            }
            catch (Exception e) when (e is MgeUnsupportedException or MgeSkippedException)
            {
                if (e is MgeUnsupportedException)
                {
                    unsupported.Add(new UnsupportedOp(op.Type, op.Name ?? $"#{op.Index}", e.Message));
                }

                foreach (var id in op.Outputs)
                {
                    cx.MarkUnavailable(id, null);
                }

                continue;
            }
            catch (IrException e)
            {
                throw new ModelFormatException(path, $"{op.Describe}: {e.Message}", op: op.Describe, inner: e);
            }

            for (var k = 0; k < op.Outputs.Count; k++)
            {
                if (k < values.Length && values[k] is { } v)
                {
                    if (v.Producer is not null && named.Add(v) && dump.VarNames.TryGetValue(op.Outputs[k], out var varName) && varName.Length > 0)
                    {
                        v.Name = builder.Graph.UniqueName(varName);
                    }

                    cx.Bind(op.Outputs[k], v);
                }
                else
                {
                    cx.MarkUnavailable(op.Outputs[k], $"output {k} of {op.Describe} is not supported");
                }
            }
        }

        if (unsupported.Count > 0)
        {
            throw new UnsupportedOpsException(path, "the MegEngine reader", unsupported);
        }

        foreach (var (var, name) in outputs)
        {
            cx.Current = dump.Operators.First(o => o.Outputs.Contains(var));
            Value value;
            try
            {
                value = cx.Var(var);
            }
            catch (MgeUnsupportedException e)
            {
                throw new UnsupportedOpsException(path, "the MegEngine reader", [new UnsupportedOp(cx.Current.Type, name, e.Message)]);
            }

            builder.Output(NameOutput(builder, value, name));
        }

        DropUnusedExpectInputs(builder.Graph);
        return builder.Graph;
    }

    /// <summary>An <see cref="Opaque"/> node standing for the current operator, fed by whichever inputs are bound.</summary>
    private static Value?[] Placeholder(MgeConversion cx)
    {
        var op = cx.Current;
        var inputs = op.Inputs.Select(id => cx.IsBound((int)id) ? cx.Var((int)id) : null).ToArray();
        var names = op.Outputs.Select((_, k) => cx.OutputName(k)).ToList();
        return cx.Builder.ApplyNamed(op.Name ?? op.Type.ToLowerInvariant(), names, new Opaque("", op.Type, op.Outputs.Count), inputs);
    }

    /// <summary>Graph outputs as (var, name): the dump's, or the <c>--end_point</c> vars looked up by name.</summary>
    private static List<(int Var, string Name)> SelectOutputs(string path, MgeDump dump, ConversionOptions options)
    {
        if (options.EndPoints is { Count: > 0 } wanted)
        {
            var byName = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var (id, name) in dump.VarNames)
            {
                byName.TryAdd(name, id);
            }

            foreach (var op in dump.Operators.Where(o => o.Type == "Host2DeviceCopy" && o.Outputs.Count == 1 && o.Tensors.Count == 1))
            {
                byName.TryAdd(op.Tensors[0].Name ?? "", op.Outputs[0]);
            }

            return [.. wanted.Select(n => byName.TryGetValue(n, out var id) ? (id, n)
                : throw new ModelFormatException(path, $"Can not find {n} (an --end_point); the dump names {byName.Count} vars"))];
        }

        var result = new List<(int, string)>();
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (var, name) in dump.Outputs)
        {
            var wantedName = string.IsNullOrEmpty(name) ? $"output_{result.Count}" : name;
            result.Add((var, used.Add(wantedName) ? wantedName : $"{wantedName}_{result.Count}"));
        }

        return result;
    }

    /// <summary>Gives a graph output its MegEngine name; inputs, constants and reused values get an Identity.</summary>
    private static Value NameOutput(GraphBuilder builder, Value value, string name)
    {
        if (value.Name == name)
        {
            return value;
        }

        if (value.Producer is null || builder.Graph.Outputs.Contains(value))
        {
            return Rename(builder.ApplyNamed(name, null, new Identity(), value)[0], name);
        }

        return Rename(value, name);
    }

    private static Value Rename(Value value, string name)
    {
        value.Name = name;
        return value;
    }

    private static void DropUnusedExpectInputs(Graph graph)
    {
        var used = graph.Nodes.SelectMany(n => n.Inputs).OfType<Value>().Concat(graph.Outputs).ToHashSet();
        graph.Inputs.RemoveAll(v => v.Name.EndsWith(":expect", StringComparison.Ordinal) && !used.Contains(v));
    }
}
