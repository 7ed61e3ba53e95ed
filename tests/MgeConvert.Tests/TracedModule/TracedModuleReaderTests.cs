using MgeConvert.Formats.Pickle;
using MgeConvert.Formats.TracedModule;
using MgeConvert.Ir;
using MgeConvert.Tests.Support;

namespace MgeConvert.Tests.TracedModule;

public sealed class TracedModuleReaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mgeconvert-tm-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void UnsupportedCallsAreAllListedAtOnce()
    {
        var path = FixtureCorpus.Load("nets/misc_ops_tm").ModelPath;
        var root = PickleReader.Load(File.ReadAllBytes(path), path);
        var renamed = 0;
        foreach (var expr in Exprs(root).Where(e => e.ClassName.EndsWith(".CallFunction", StringComparison.Ordinal)).Take(3))
        {
            expr.Dict!.Set("func", new PyTuple(["my.private.ops", $"mystery{renamed++}"]));
        }

        var fc1 = (PyObject)((PyObject)root!).Attr("fc1")!;
        fc1.Dict!.Set("module", new PyTuple(["megengine.module.elemwise", "Elemwise"]));
        ((PyDict)fc1.Attr("state")!).Set("method", "fancy");

        var rewritten = Path.Combine(_dir, "unsupported.tm");
        File.WriteAllBytes(rewritten, PickleWriter.Serialize(root, 4));
        var e = Assert.Throws<UnsupportedOpsException>(() => new TracedModuleReader().Read(rewritten, new ConversionOptions()));
        Assert.Equal(4, e.Ops.Count);
        Assert.Contains(e.Ops, o => o.OpType == "megengine.module.elemwise.Elemwise" && o.Reason is not null && o.Reason.Contains("fancy", StringComparison.Ordinal));
        for (var i = 0; i < 3; i++)
        {
            Assert.Contains(e.Ops, o => o.OpType == $"my.private.ops.mystery{i}");
        }
    }

    [Fact]
    public void UnsupportedCallsBecomeOpaqueNodesWhenAllowed()
    {
        var path = FixtureCorpus.Load("nets/misc_ops_tm").ModelPath;
        var root = PickleReader.Load(File.ReadAllBytes(path), path);
        var expr = Exprs(root).First(e => e.ClassName.EndsWith(".CallFunction", StringComparison.Ordinal));
        expr.Dict!.Set("func", new PyTuple(["my.private.ops", "mystery"]));
        var rewritten = Path.Combine(_dir, "opaque.tm");
        File.WriteAllBytes(rewritten, PickleWriter.Serialize(root, 4));

        var graph = new TracedModuleReader().Read(rewritten, new ConversionOptions { AllowUnsupported = true }).Graph;

        var opaque = Assert.Single(graph.Nodes, n => n.Op is MgeConvert.Ir.Ops.Opaque);
        Assert.Equal("my.private.ops.mystery (unsupported)", opaque.Op.Name);
        Assert.NotEmpty(opaque.Inputs);
        Assert.True(graph.Nodes.Count > 1, "the calls after the unsupported one are converted too");
    }

    [Fact]
    public void RewrittenFixtureReadsLikeTheOriginalInEveryProtocol()
    {
        var path = FixtureCorpus.Load("quant/qconcat_deconv_qat_tm").ModelPath;
        var expected = new TracedModuleReader().Read(path, new ConversionOptions()).Graph.ToString();
        var root = PickleReader.Load(File.ReadAllBytes(path), path);
        foreach (var protocol in new[] { 2, 3, 4, 5 })
        {
            var rewritten = Path.Combine(_dir, $"p{protocol}.tm");
            File.WriteAllBytes(rewritten, PickleWriter.Serialize(root, protocol));
            Assert.Equal(expected, new TracedModuleReader().Read(rewritten, new ConversionOptions()).Graph.ToString());
        }
    }

    [Fact]
    public void EndPointsSelectOutputsAndDropUnneededNodes()
    {
        var path = FixtureCorpus.Load("nets/resnet_tiny_tm").ModelPath;
        var graph = new TracedModuleReader().Read(path, new ConversionOptions { EndPoints = ["layer1_out", "stem_out"] }).Graph;
        GraphValidator.Validate(graph);
        Assert.Equal(["layer1_out", "stem_out"], graph.Outputs.Select(o => o.Name));
        Assert.DoesNotContain(graph.Nodes, n => n.Output.Name.StartsWith("layer2", StringComparison.Ordinal));
        var e = Assert.Throws<ModelFormatException>(() => new TracedModuleReader().Read(path, new ConversionOptions { EndPoints = ["nope"] }));
        Assert.Contains("nope", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DetectsTracedModulesOnly()
    {
        var reader = new TracedModuleReader();
        Assert.Equal(Formats.ModelFormat.TracedModule, reader.Format);
        Assert.True(reader.CanRead(File.ReadAllBytes(FixtureCorpus.Load("ops_tm/active_relu").ModelPath).AsSpan(0, 64)));
        var stateDict = FixtureCorpus.Load("negative/pickle_state_dict").ModelPath;
        Assert.False(reader.CanRead(File.ReadAllBytes(stateDict).AsSpan(0, 64)));
        Assert.False(reader.CanRead(File.ReadAllBytes(FixtureCorpus.Load("nets/misc_ops_mgv2").ModelPath).AsSpan(0, 64)));
        var e = Assert.Throws<ModelFormatException>(() => reader.Read(stateDict, new ConversionOptions()));
        Assert.Contains("expected a megengine TracedModule", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TensorsOfEveryPickledLayoutDecode()
    {
        var loader = new TmLoader("t.tm");
        var dtype = new NpDType("i1");
        var array = new NdArray(dtype, [3], new byte[] { 1, 2, 0xff });
        var tensorClass = new PyGlobal("megengine.tensor", "Tensor");
        var legacyState = new PyDict();
        legacyState.Set("data", array);
        legacyState.Set("dtype", new PyGlobal("numpy", "int8"));
        var v11 = new PyObject(tensorClass, PyTuple.Empty, PyConstruction.New);
        SetState(v11, legacyState);
        var v12 = new PyObject(tensorClass, new PyTuple([array, new PyGlobal("numpy", "int8"), "cpu0:0"]), PyConstruction.New);
        var v17 = new PyObject(new PyGlobal("megengine.tensor", "Parameter"), new PyTuple([array, dtype, "xpux:0"]), PyConstruction.New);
        var v113 = new PyObject(tensorClass, new PyTuple([array, dtype, "xpux:0", false, false, null, "default"]), PyConstruction.New);
        foreach (var t in new[] { v11, v12, v17, v113 })
        {
            var data = loader.TensorData(t, "t");
            Assert.Equal(ElementType.Int8, data.DType.Element);
            Assert.Equal([1L, 2, -1], data.ToInt64s());
        }

        var meta = new PyDict();
        var mgb = new PyDict();
        mgb.Set("name", "QuantizedS8");
        mgb.Set("scale", 0.25);
        meta.Set("mgb_dtype", mgb);
        var qdtype = (NpDType)PickleReader.Load(PickleWriter.Serialize(NpDType.FromElementType(ElementType.Int8, meta), 4))!;
        var quantized = loader.TensorData(new PyObject(tensorClass, new PyTuple([array, qdtype, "xpux:0"]), PyConstruction.New), "q");
        Assert.Equal(0.25f, quantized.DType.Quant!.Scale);
        Assert.Equal([0.25f, 0.5f, -0.25f], quantized.Dequantize());
    }

    [Fact]
    public void Protocol5FrombufferArraysDecode()
    {
        var call = new PyObject(new PyGlobal("numpy.core.numeric", "_frombuffer"),
            new PyTuple([new PyByteArray([1, 0, 2, 0, 3, 0, 4, 0]), new NpDType("u2"), new PyTuple([2L, 2L]), "F"]), PyConstruction.Reduce);
        var bytes = PickleWriter.Serialize(call, 5);
        Assert.Contains((byte)0x96, bytes);
        var array = Assert.IsType<NdArray>(PickleReader.Load(bytes));
        Assert.Equal([1L, 3, 2, 4], array.ToTensor().ToInt64s());
    }

    private static void SetState(PyObject obj, object state)
    {
        obj.State = state;
        obj.HasState = true;
    }

    private static IEnumerable<PyObject> Exprs(object? root)
    {
        var module = (PyObject)root!;
        var map = (PyDict)module.Attr("argdef_graph_map")!;
        foreach (var graph in map.Values.Cast<PyObject>())
        {
            foreach (var expr in ((PyList)graph.Attr("_exprs")!).Cast<PyObject>())
            {
                yield return expr;
            }
        }
    }
}
