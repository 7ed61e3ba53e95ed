using MgeConvert.Formats.Caffe;
using MgeConvert.Formats.Pickle;
using MgeConvert.Ir;
using MgeConvert.Quantization;

namespace MgeConvert.Formats.TracedModule;

/// <summary>Turns an IR graph into the TracedModule object graph through <see cref="TmExportTable"/>, collecting every op it cannot express.</summary>
internal sealed class TmGraphExporter(Graph graph, IReadOnlyDictionary<Value, TensorType> types)
{
    public List<UnsupportedOp> Unsupported { get; } = [];

    /// <summary>The root TracedModule, or null when <see cref="Unsupported"/> lists what cannot be written.</summary>
    public PyObject? Export(string moduleName)
    {
        var writer = new TmGraphWriter(moduleName);
        var bound = new Dictionary<Value, PyObject>();
        var context = new TmExportContext(writer, bound, TypeOf);

        // Values downstream of an op that cannot be written are skipped: the op itself is what gets reported.
        var failed = new HashSet<Value>();
        foreach (var input in graph.Inputs)
        {
            var type = TypeOf(input);
            try
            {
                var quant = type.DType.IsQuantized ? TmQatStates.FromDataType(type.DType) : QuantAnnotations.Get(input);
                if (quant is not null && TmQatStates.Inexpressible(quant) is { } why)
                {
                    throw new NotExpressibleException("quantized graph input: " + why);
                }

                var qparams = quant is null ? null : TmQatStates.QParamsOf(writer.Tensors, quant);
                bound[input] = writer.Input(input.Name, TmExportContext.Storage(type.DType), type.Shape.ToArray(), qparams);
                if (quant is not null)
                {
                    context.Rounded[input] = quant;
                }
            }
            catch (NotExpressibleException e)
            {
                Unsupported.Add(new UnsupportedOp("input", input.Name, e.Message));
                failed.Add(input);
            }
        }

        var users = graph.Nodes.SelectMany(n => n.Inputs.OfType<Value>().Distinct().Select(v => (Value: v, Node: n)))
            .GroupBy(p => p.Value).ToDictionary(g => g.Key, g => g.Select(p => p.Node).ToList());
        var (gelus, absorbed) = TmGeluPattern.Find(graph);
        var fusedRelus = new HashSet<Node>();
        foreach (var node in graph.Nodes)
        {
            context.Node = node;
            context.PendingAct = null;
            context.FusedRelu = null;
            if (absorbed.Contains(node) || fusedRelus.Contains(node))
            {
                continue;
            }

            if (gelus.TryGetValue(node, out var gelu))
            {
                if (failed.Contains(gelu.X))
                {
                    failed.Add(gelu.Result);
                    continue;
                }

                var type = TypeOf(gelu.Result);
                bound[gelu.Result] = context.Fn(TmExportContext.Nn, "gelu", new TmOut(gelu.Result.Name, TmExportContext.Storage(type.DType.Element), type.Shape.ToArray()), context.NodeOf(gelu.X));
                continue;
            }

            if (!TmExportTable.Rules.TryGetValue(node.Op.GetType(), out var rule))
            {
                Unsupported.Add(new UnsupportedOp(node.Op.Name, node.Name, "no TracedModule rule"));
                failed.UnionWith(node.Outputs);
                continue;
            }

            if (node.Inputs.Any(i => i is not null && failed.Contains(i)))
            {
                failed.UnionWith(node.Outputs);
                continue;
            }

            try
            {
                context.FusedRelu = TmExportQuant.ReluToFuse(graph, node, users);
                context.PendingAct = TmExportQuant.Pending(graph, context.FusedRelu ?? node, users);
                context.ActFused = false;
                rule(context);
                RoundOutputs(context, node, bound, fusedRelus);
            }
            catch (NotExpressibleException e)
            {
                Unsupported.Add(new UnsupportedOp(node.Op.Name, node.Name, e.Message));
                failed.UnionWith(node.Outputs);
            }
        }

        if (Unsupported.Count > 0)
        {
            return null;
        }

        var outputs = new List<PyObject>();
        foreach (var output in graph.Outputs)
        {
            try
            {
                var node = context.NodeOf(output);
                if (!outputs.Contains(node))
                {
                    writer.RenameOutput(node, output.Name);
                }

                outputs.Add(node);
            }
            catch (NotExpressibleException e)
            {
                Unsupported.Add(new UnsupportedOp("output", output.Name, e.Message));
            }
        }

        return Unsupported.Count > 0 ? null : writer.Build(outputs);
    }

    /// <summary>
    /// After a node's rule: the fake quantization its result still needs (a QuantStub, unless a qat layer module
    /// applied it), the Relu a qat ConvRelu2d absorbed, and the fake-quantized outputs of multi-output ops.
    /// </summary>
    private void RoundOutputs(TmExportContext context, Node node, Dictionary<Value, PyObject> bound, HashSet<Node> fusedRelus)
    {
        var output = node.Outputs[0];
        if (context.FusedRelu is { } relu)
        {
            if (context.ActFused)
            {
                bound[relu.Outputs[0]] = context.NodeOf(output);
                context.Rounded[relu.Outputs[0]] = context.PendingAct!;
                fusedRelus.Add(relu);
            }
        }
        else if (context.PendingAct is { } act)
        {
            if (!context.ActFused)
            {
                var type = TypeOf(output);
                bound[output] = TmExportQuant.FakeQuantize(context, context.NodeOf(output), act, new TmOut(output.Name, TmExportContext.Storage(type.DType), type.Shape.ToArray()));
            }

            context.Rounded[output] = act;
        }

        if (node.Outputs.Count == 1)
        {
            return;
        }

        foreach (var extra in node.Outputs)
        {
            if (QuantAnnotations.Get(extra) is { FakeQuantized: true } q && !extra.IsConstant && bound.TryGetValue(extra, out var computed))
            {
                var type = TypeOf(extra);
                bound[extra] = TmExportQuant.FakeQuantize(context, computed, q, new TmOut(extra.Name, TmExportContext.Storage(type.DType), type.Shape.ToArray()));
                context.Rounded[extra] = q;
            }
        }
    }

    private TensorType TypeOf(Value value) => types.TryGetValue(value, out var t) ? t : value.Type;
}
