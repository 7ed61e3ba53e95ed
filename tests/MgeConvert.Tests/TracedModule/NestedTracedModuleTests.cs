using MgeConvert.Formats.Pickle;
using MgeConvert.Formats.TracedModule;
using MgeConvert.Ir;
using MgeConvert.Tests.Support;

namespace MgeConvert.Tests.TracedModule;

/// <summary>A traced sub-module called from an outer graph is inlined with MegEngine's "&lt;call node&gt;_" prefixes.</summary>
public sealed class NestedTracedModuleTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mgeconvert-nested-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void SubModuleGraphIsFlattenedTwice()
    {
        var fixture = FixtureCorpus.Load("nets/conv_bn_relu_pool_linear_tm");
        var innerPath = fixture.ModelPath;
        var inner = (PyObject)PickleReader.Load(File.ReadAllBytes(innerPath), innerPath)!;
        var innerKey = ((PyDict)inner.Attr("argdef_graph_map")!).Keys.Single();
        var innerGraph = new TracedModuleReader().Read(innerPath, new ConversionOptions()).Graph;
        var input = innerGraph.Inputs.Single();

        var self = Node("ModuleNode", "self");
        var x = Node("TensorNode", "x", input.Shape.ToArray());
        var first = Node("ModuleNode", "first");
        var second = Node("ModuleNode", "second");
        var firstOut = Node("TensorNode", "first_out", [.. innerGraph.Outputs[0].Shape]);
        var secondOut = Node("TensorNode", "second_out", [.. innerGraph.Outputs[0].Shape]);
        var outputShape = innerGraph.Outputs[0].Shape.ToArray();
        // second(first(x)) only type-checks when the output fits the input, so call both on x and add them.
        var sum = Node("TensorNode", "add_out", outputShape);
        var exprs = new PyList
        {
            Expr("GetAttr", [self], [first], ("name", "first")),
            Expr("GetAttr", [self], [second], ("name", "second")),
            Expr("CallMethod", [first, x], [firstOut], ("method", "__call__"), ("arg_def", innerKey), ("const_val", new PyList())),
            Expr("CallMethod", [second, x], [secondOut], ("method", "__call__"), ("arg_def", innerKey), ("const_val", new PyList())),
            Expr("CallMethod", [firstOut, secondOut], [sum], ("method", "__add__"), ("arg_def", AddArgDef(innerKey)), ("const_val", new PyList())),
        };
        var graph = Obj("megengine.traced_module.traced_module", "InternalGraph",
            ("_inputs", new PyList { self, x }), ("_exprs", exprs), ("_outputs", new PyList { sum }), ("_qualname", "Outer"));
        var map = new PyDict();
        map.Set(Obj("megengine.traced_module.pytree", "TreeDef"), graph);
        var outer = Obj("megengine.traced_module.traced_module", "TracedModule", ("argdef_graph_map", map), ("first", inner), ("second", inner));

        var path = Path.Combine(_dir, "outer.tm");
        File.WriteAllBytes(path, PickleWriter.Serialize(outer, 4));
        var result = new TracedModuleReader().Read(path, new ConversionOptions()).Graph;
        GraphValidator.Validate(result);

        Assert.Equal("x", result.Inputs.Single().Name);
        Assert.Equal("add_out", result.Outputs.Single().Name);
        Assert.Equal((2 * innerGraph.Nodes.Count) + 1, result.Nodes.Count);
        var innerOutput = innerGraph.Outputs[0].Name;
        Assert.Contains(result.Nodes, n => n.Outputs.Any(o => o.Name == "first_out"));
        Assert.Contains(result.Nodes, n => n.Outputs.Any(o => o.Name == "second_out"));
        foreach (var node in innerGraph.Nodes.Where(n => n.Output.Name != innerOutput))
        {
            Assert.Contains(result.Nodes, n => n.Output.Name == "first_" + node.Output.Name);
            Assert.Contains(result.Nodes, n => n.Output.Name == "second_" + node.Output.Name);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void CyclicModulesAndArgumentTreesAreOneClearError(bool cyclicTree)
    {
        var self = Node("ModuleNode", "self");
        var x = Node("TensorNode", "x", [1, 4]);
        var me = Node("ModuleNode", "me");
        var output = Node("TensorNode", "me_out", [1, 4]);
        var leafTypes = Obj("megengine.traced_module.pytree", "LeafDef", ("type", PyTuple.Empty), ("aux_data", null), ("children_defs", new PyList()), ("num_leaves", 1L), ("const_val", null));
        var args = Obj("megengine.traced_module.pytree", "TreeDef",
            ("type", new PyGlobal("builtins", "tuple")), ("aux_data", null), ("children_defs", new PyList { leafTypes, leafTypes }), ("num_leaves", 2L));
        var kwargs = Obj("megengine.traced_module.pytree", "TreeDef",
            ("type", new PyGlobal("builtins", "dict")), ("aux_data", PyTuple.Empty), ("children_defs", new PyList()), ("num_leaves", 0L));
        var key = Obj("megengine.traced_module.pytree", "TreeDef",
            ("type", new PyGlobal("builtins", "tuple")), ("aux_data", null), ("children_defs", new PyList { args, kwargs }), ("num_leaves", 2L));
        var exprs = new PyList
        {
            Expr("GetAttr", [self], [me], ("name", "me")),
            Expr("CallMethod", [me, x], [output], ("method", "__call__"), ("arg_def", key), ("const_val", new PyList())),
        };
        var graph = Obj("megengine.traced_module.traced_module", "InternalGraph",
            ("_inputs", new PyList { self, x }), ("_exprs", exprs), ("_outputs", new PyList { output }), ("_qualname", "Loop"));
        var map = new PyDict();
        map.Set(key, graph);
        var module = Obj("megengine.traced_module.traced_module", "TracedModule", ("argdef_graph_map", map));
        ((PyDict)module.State!).Set("me", module);
        if (cyclicTree)
        {
            ((PyList)args.Attr("children_defs")!).Add(args);
        }

        var path = Path.Combine(_dir, "loop.tm");
        File.WriteAllBytes(path, PickleWriter.Serialize(module, 4));
        var e = Assert.Throws<ModelFormatException>(() => new TracedModuleReader().Read(path, new ConversionOptions()));
        Assert.True(e.Message.Contains(cyclicTree ? "argument tree" : "cyclic", StringComparison.Ordinal), e.Message);
    }

    private static PyObject AddArgDef(object? innerKey)
    {
        // ((tensor, tensor), {}) built from the leaf definitions of the inner call's key.
        var args = (PyObject)((PyList)((PyObject)innerKey!).Attr("children_defs")!)[0]!;
        var tensorLeaf = ((PyList)args.Attr("children_defs")!)[1];
        var kwargs = ((PyList)((PyObject)innerKey!).Attr("children_defs")!)[1];
        var tuple = Obj("megengine.traced_module.pytree", "TreeDef",
            ("type", new PyGlobal("builtins", "tuple")), ("aux_data", null), ("children_defs", new PyList { tensorLeaf, tensorLeaf }), ("num_leaves", 2L));
        return Obj("megengine.traced_module.pytree", "TreeDef",
            ("type", new PyGlobal("builtins", "tuple")), ("aux_data", null), ("children_defs", new PyList { tuple, kwargs }), ("num_leaves", 2L));
    }

    private static PyObject Node(string kind, string name, long[]? shape = null) =>
        Obj("megengine.traced_module.node", kind, ("_name", name), ("_qualname", "Outer." + name),
            ("_shape", shape is null ? null : new PyTuple([.. shape.Select(d => (object?)d)])),
            ("_dtype", shape is null ? null : new NpDType("f4")), ("_qparams", null));

    private static PyObject Expr(string kind, PyObject[] inputs, PyObject[] outputs, params (string Key, object? Value)[] extra) =>
        Obj("megengine.traced_module.expr", kind, [("inputs", new PyList(inputs)), ("outputs", new PyList(outputs)), .. extra]);

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
