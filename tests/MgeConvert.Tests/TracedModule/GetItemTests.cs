using MgeConvert.Formats.Pickle;
using MgeConvert.Formats.TracedModule;
using MgeConvert.Ir;

namespace MgeConvert.Tests.TracedModule;

/// <summary>x[None, 1, ..., ::2] recorded as a CallMethod __getitem__ whose index is a pytree of constants.</summary>
public sealed class GetItemTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mgeconvert-getitem-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void NoneIntEllipsisAndStepSliceIndex()
    {
        var self = Node("ModuleNode", "self", null);
        var x = Node("TensorNode", "x", [2, 3, 4]);
        var y = Node("TensorNode", "getitem_out", [1, 3, 2]);
        var leaf = Leaf();
        var slice = Tree("slice", null, leaf, leaf, leaf);
        var index = Tree("tuple", null, leaf, leaf, leaf, slice);
        var args = Tree("tuple", null, leaf, index);
        var argDef = Tree("tuple", null, args, Tree("dict", PyTuple.Empty));
        // Flat leaves: x, None, 1, Ellipsis, None, None, 2.
        var constVal = new PyList
        {
            new PyTuple([1L, null]), new PyTuple([2L, 1L]), new PyTuple([3L, new PyGlobal("builtins", "Ellipsis")]),
            new PyTuple([4L, null]), new PyTuple([5L, null]), new PyTuple([6L, 2L]),
        };
        var expr = Obj("megengine.traced_module.expr", "CallMethod", ("inputs", new PyList { x }), ("outputs", new PyList { y }),
            ("method", "__getitem__"), ("arg_def", argDef), ("const_val", constVal));
        var graph = Obj("megengine.traced_module.traced_module", "InternalGraph",
            ("_inputs", new PyList { self, x }), ("_exprs", new PyList { expr }), ("_outputs", new PyList { y }), ("_qualname", "G"));
        var map = new PyDict();
        map.Set(argDef, graph);
        var module = Obj("megengine.traced_module.traced_module", "TracedModule", ("argdef_graph_map", map));
        var path = Path.Combine(_dir, "getitem.tm");
        File.WriteAllBytes(path, PickleWriter.Serialize(module, 4));

        var result = new TracedModuleReader().Read(path, new ConversionOptions()).Graph;
        GraphValidator.Validate(result);
        Assert.Equal([1L, 3, 2], result.Outputs[0].Shape.ToArray());
        var input = Tensor.FromFloats(new Shape(2, 3, 4), [.. Enumerable.Range(0, 24).Select(i => (float)i)]);
        var values = TinyReferenceEvaluator.Run(result, [input]);
        var expected = new List<double>();
        for (var j = 0; j < 3; j++)
        {
            for (var k = 0; k < 2; k++)
            {
                expected.Add(12 + (j * 4) + (2 * k));
            }
        }

        Assert.Equal(expected, values[result.Outputs[0]].Data);
    }

    private static PyObject Leaf() => Obj("megengine.traced_module.pytree", "LeafDef",
        ("type", PyTuple.Empty), ("aux_data", null), ("children_defs", new PyList()), ("num_leaves", 1L), ("const_val", null));

    private static PyObject Tree(string type, object? aux, params PyObject[] children) => Obj("megengine.traced_module.pytree", "TreeDef",
        ("type", new PyGlobal("builtins", type)), ("aux_data", aux), ("children_defs", new PyList(children)), ("num_leaves", 0L));

    private static PyObject Node(string kind, string name, long[]? shape) =>
        Obj("megengine.traced_module.node", kind, ("_name", name),
            ("_shape", shape is null ? null : new PyTuple([.. shape.Select(d => (object?)d)])),
            ("_dtype", shape is null ? null : new NpDType("f4")), ("_qparams", null));

    private static PyObject Obj(string module, string name, params (string Key, object? Value)[] state)
    {
        var dict = new PyDict();
        foreach (var (k, v) in state)
        {
            dict.Set(k, v);
        }

        return new PyObject(new PyGlobal(module, name), PyTuple.Empty, PyConstruction.New) { State = dict, HasState = true };
    }
}
