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
        var annotated = graph.Inputs.Concat(graph.Nodes.SelectMany(n => n.Outputs)).Where(v => QuantAnnotations.Get(v) is not null);
        Unsupported.AddRange(annotated.Select(v => new UnsupportedOp("FakeQuant", v.Name, "QAT fake quantization is not written (float and traced-float models only)")));
        foreach (var input in graph.Inputs)
        {
            var type = TypeOf(input);
            try
            {
                if (type.DType.IsQuantized)
                {
                    throw new NotExpressibleException("quantized graph inputs are not written");
                }

                bound[input] = writer.Input(input.Name, TmExportContext.Storage(type.DType.Element), type.Shape.ToArray());
            }
            catch (NotExpressibleException e)
            {
                Unsupported.Add(new UnsupportedOp("input", input.Name, e.Message));
                failed.Add(input);
            }
        }

        var (gelus, absorbed) = TmGeluPattern.Find(graph);
        foreach (var node in graph.Nodes)
        {
            context.Node = node;
            if (absorbed.Contains(node))
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
                bound[gelu.Result] = context.Fn(TmExportContext.Nn, "gelu", new TmOut(gelu.Result.Name, type.DType.Element, type.Shape.ToArray()), context.NodeOf(gelu.X));
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
                if (node.Outputs.Any(o => TypeOf(o).DType.IsQuantized))
                {
                    throw new NotExpressibleException("quantized values are not written");
                }

                rule(context);
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
                outputs.Add(context.NodeOf(output));
            }
            catch (NotExpressibleException e)
            {
                Unsupported.Add(new UnsupportedOp("output", output.Name, e.Message));
            }
        }

        return Unsupported.Count > 0 ? null : writer.Build(outputs);
    }

    private TensorType TypeOf(Value value) => types.TryGetValue(value, out var t) ? t : value.Type;
}
