using MgeConvert.Formats.Pickle;

namespace MgeConvert.Formats.TracedModule;

/// <summary>Rebuilds call arguments from a pytree TreeDef and the flat leaf list (expr.inputs with const_val spliced in).</summary>
internal static class TmTreeDef
{
    /// <summary>
    /// The leaves of a call: <paramref name="inputs"/> (bound node values) with const_val (index, value)
    /// pairs inserted at their flat positions.
    /// </summary>
    public static List<object?> Leaves(IReadOnlyList<object?> inputs, object? constVal)
    {
        var leaves = new List<object?>(inputs);
        if (constVal is PyList or PyTuple)
        {
            var pairs = ((IEnumerable<object?>)constVal)
                .Select(p => p is PyTuple { Count: 2 } t && PyValues.TryGetLong(t[0], out var i) ? (Index: i, Value: t[1]) : throw new PickleException("const_val entries must be (index, value) pairs"))
                .OrderBy(p => p.Index);
            foreach (var (index, value) in pairs)
            {
                if (index < 0 || index > leaves.Count)
                {
                    throw new PickleException($"const_val index {index} is outside the {leaves.Count} leaves");
                }

                leaves.Insert((int)index, value);
            }
        }

        return leaves;
    }

    /// <summary>Unflattens <paramref name="def"/> over <paramref name="leaves"/>.</summary>
    public static object? Unflatten(object? def, IReadOnlyList<object?> leaves)
    {
        var next = 0;
        var result = Build(def, leaves, ref next, 0);
        if (next != leaves.Count)
        {
            throw new PickleException($"the argument tree uses {next} of {leaves.Count} leaves");
        }

        return result;
    }

    private static object? Build(object? def, IReadOnlyList<object?> leaves, ref int next, int depth)
    {
        if (depth > 100)
        {
            throw new PickleException("argument tree nested deeper than 100 levels");
        }

        if (def is not PyObject obj || !obj.ClassName.StartsWith("megengine.traced_module.pytree.", StringComparison.Ordinal))
        {
            throw new PickleException($"expected a TreeDef, found {PyValues.Repr(def)}");
        }

        if (obj.Class.Name == "LeafDef")
        {
            if (next >= leaves.Count)
            {
                throw new PickleException("the argument tree has more leaves than the call");
            }

            return leaves[next++];
        }

        var type = obj.Attr("type") as PyGlobal;
        var children = obj.Attr("children_defs") as PyList ?? [];
        var items = new List<object?>();
        foreach (var child in children)
        {
            items.Add(Build(child, leaves, ref next, depth + 1));
        }

        switch (type?.FullName)
        {
            case "builtins.tuple":
                return new PyTuple([.. items]);
            case "builtins.list":
                return new PyList(items);
            case "builtins.slice":
                return items.Count == 3 ? new PySlice(items[0], items[1], items[2]) : throw new PickleException("slice TreeDef needs 3 children");
            case "builtins.dict" or "collections.OrderedDict" or "collections.defaultdict":
                var keys = obj.Attr("aux_data") as PyTuple ?? PyTuple.Empty;
                if (keys.Count != items.Count)
                {
                    throw new PickleException("dict TreeDef has a different number of keys and children");
                }

                var dict = new PyDict();
                for (var i = 0; i < items.Count; i++)
                {
                    dict.Set(keys[i], items[i]);
                }

                return dict;
            default:
                return new PyList(items);
        }
    }
}
