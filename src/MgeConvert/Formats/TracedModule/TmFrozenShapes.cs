using MgeConvert.Ir;

namespace MgeConvert.Formats.TracedModule;

/// <summary>
/// A TracedModule records traced (static) shapes. Graph inputs with unknown dimensions are refused, unless
/// --frozen_input_shape is given: then every unknown input dimension is fixed to 1 and the types of all values
/// are inferred again from the ops (the IR graph itself is not changed).
/// </summary>
internal static class TmFrozenShapes
{
    public static IReadOnlyDictionary<Value, TensorType> Of(Graph graph, bool freeze, string path)
    {
        var dynamic = graph.Inputs.Where(i => !i.Shape.IsStatic).ToList();
        if (dynamic.Count == 0)
        {
            return new Dictionary<Value, TensorType>();
        }

        if (!freeze)
        {
            throw new ModelFormatException(path,
                $"graph input(s) {string.Join(", ", dynamic.Select(i => $"{i.Name} {i.Shape}"))} have dynamic shapes; a TracedModule records static traced shapes (--frozen_input_shape fixes unknown dimensions to 1)");
        }

        var types = new Dictionary<Value, TensorType>();
        var shadows = new Dictionary<Value, Value>();
        foreach (var input in dynamic)
        {
            if (!input.Shape.HasRank)
            {
                throw new ModelFormatException(path, $"graph input {input.Name} has unknown rank; --frozen_input_shape cannot fix it");
            }

            var type = input.Type with { Shape = new Shape([.. input.Shape.Select(d => d < 0 ? 1 : d)]) };
            types[input] = type;
            shadows[input] = new Value(input.Name, type);
        }

        foreach (var node in graph.Nodes)
        {
            var inputs = node.Inputs.Select(i => i is not null && shadows.TryGetValue(i, out var s) ? s : i).ToList();
            TensorType[] inferred;
            try
            {
                inferred = node.Op.InferTypes(new InferenceContext(node.Op, inputs));
            }
            catch (IrException e)
            {
                throw new ModelFormatException(path, $"with frozen input shapes, node {node.Name} ({node.Op.Name}) fails: {e.Message}", op: node.Name);
            }

            for (var i = 0; i < node.Outputs.Count && i < inferred.Length; i++)
            {
                var output = node.Outputs[i];
                types[output] = inferred[i];
                shadows[output] = new Value(output.Name, inferred[i]);
            }
        }

        return types;
    }
}
