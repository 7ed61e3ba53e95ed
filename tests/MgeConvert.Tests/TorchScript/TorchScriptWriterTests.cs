using MgeConvert.Formats.TorchScript;
using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using MgeConvert.Reference;
using MgeConvert.Tests.Support;
using Xunit.Abstractions;

namespace MgeConvert.Tests.TorchScript;

/// <summary>Hand-built graphs written as TorchScript, run in torch 1.13 against the reference interpreter.</summary>
public class TorchScriptWriterTests(ITestOutputHelper output)
{
    [Fact]
    public void EveryOpGraphMatchesTheReferenceInterpreterInTorch()
    {
        using var temp = new Cli.TempDirectory();
        var cases = TorchScriptTestGraphs.All().ToList();
        var runs = new List<TorchRun>();
        foreach (var c in cases)
        {
            var path = temp.File(c.Name + ".pt");
            File.WriteAllBytes(path, TorchScriptWriter.Serialize(c.Graph, path));
            runs.Add(new TorchRun(path, c.Inputs));
        }

        var results = TorchOracle.Run(runs, temp.Path);
        var failures = new List<string>();
        for (var i = 0; i < cases.Count; i++)
        {
            var c = cases[i];
            if (results[i].Error is { } error)
            {
                failures.Add($"{c.Name}: torch refused the archive: {error.Trim()}");
                continue;
            }

            var feeds = c.Graph.Inputs.Select((v, k) => (v.Name, c.Inputs[k])).ToDictionary(p => p.Name, p => p.Item2);
            var expected = ReferenceInterpreter.Run(c.Graph, feeds);
            for (var k = 0; k < c.Graph.Outputs.Count; k++)
            {
                var value = c.Graph.Outputs[k];
                if (Problem(expected[value.Name], results[i].Outputs[k], value.DType, c) is { } problem)
                {
                    failures.Add($"{c.Name} output {k} ({value.Producer?.Op.Name}): {problem}");
                }
            }
        }

        output.WriteLine($"torchscript_ops: {cases.Count - failures.Select(f => f.Split(':')[0].Split(' ')[0]).Distinct().Count()}/{cases.Count} graphs matched, " +
            $"{cases.Sum(c => c.Graph.Outputs.Count)} outputs checked");
        failures.ForEach(output.WriteLine);
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    [Fact]
    public void UnsupportedOpsAreAllListedBeforeWriting()
    {
        var b = new GraphBuilder("unsupported");
        var x = b.Input("x", DataType.Float32, new Shape(1, 2, 4, 4));
        var arg = b.Apply(new ArgReduce(true, 1, SelectLastIndex: true), x);
        var resized = b.Apply(new Resize([1, 2, 8, 8], null, ResizeMode.Cubic, CoordinateTransform.Asymmetric), x);
        b.Output(arg);
        b.Output(resized);
        using var temp = new Cli.TempDirectory();
        var path = temp.File("out.pt");
        var e = Assert.Throws<UnsupportedOpsException>(() => new TorchScriptWriter().Prepare(b.Graph, new ConversionOptions { Output = path }));
        Assert.Equal(["ArgMax", "Resize"], e.Ops.Select(o => o.OpType));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void QatStubIsFakeQuantizedWithoutTouchingItsInput()
    {
        var b = new GraphBuilder("qat_stub");
        var x = b.Input("x", DataType.Float32, new Shape(2, 8));
        var stub = b.Apply(new Identity(), x);
        stub.Type = new TensorType(new DataType(ElementType.Float32, new QuantParams(0.1f, 2)), stub.Shape);
        b.Output(stub);
        b.Output(b.Apply(new Unary(UnaryFunction.Neg), x));
        var data = Tensor.FromFloats(new Shape(2, 8), [.. Enumerable.Range(0, 16).Select(i => (i * 0.173f) - 1.31f)]);
        using var temp = new Cli.TempDirectory();
        var path = temp.File("qat_stub.pt");
        File.WriteAllBytes(path, TorchScriptWriter.Serialize(b.Graph, path));

        var result = TorchOracle.Run([new TorchRun(path, [data])], temp.Path).Single();

        Assert.Null(result.Error);
        var info = new global::MgeConvert.Quantization.QuantInfo("qint8", -128, 127, [0.1f], [2]);
        NumericAssert.Close(global::MgeConvert.Quantization.FakeQuant.Apply(data, info), result.Outputs[0].ToDoubles(), 1e-6, 0, "fake-quantized stub");
        Assert.Equal(data.ToFloats().Select(v => -v), result.Outputs[1].ToFloats());
    }

    [Fact]
    public void QuantizedValuesAreRoundedOnlyWhereTheyLeaveTheGrid()
    {
        var b = new GraphBuilder("rounding");
        var q = DataType.Quantized(ElementType.Int8, 0.1f, 0);
        var x = b.Input("x", DataType.Float32, new Shape(1, 2, 4, 4));
        var onGrid = b.Apply(new Cast(q), x);
        var pooled = b.Apply(new Pool(PoolKind.Max, [2, 2], [2, 2], [0, 0, 0, 0]), b.Apply(new Cast(DataType.Float32), onGrid));
        var requantized = b.Apply(new Cast(q), pooled);
        b.Output(b.Apply(new Cast(DataType.Float32), requantized));
        b.Output(b.Apply(new Cast(q), b.Apply(new Unary(UnaryFunction.Exp), pooled)));
        using var temp = new Cli.TempDirectory();
        var path = temp.File("rounding.pt");

        var code = TorchScriptCode(TorchScriptWriter.Serialize(b.Graph, path));

        // The input is rounded once; the max pool keeps it on the grid; the integer output is quantized once.
        Assert.Equal(1, System.Text.RegularExpressions.Regex.Count(code, @"torch\.fake_quantize_per_tensor_affine\("));
        Assert.Equal(1, System.Text.RegularExpressions.Regex.Count(code, @"torch\.quantize_per_tensor\("));
        Assert.Equal(1, System.Text.RegularExpressions.Regex.Count(code, @"torch\.int_repr\("));
    }

    private static string TorchScriptCode(byte[] archive)
    {
        using var zip = new System.IO.Compression.ZipArchive(new MemoryStream(archive));
        using var reader = new StreamReader(zip.Entries.Single(e => e.FullName.EndsWith("/code/__torch__.py", StringComparison.Ordinal)).Open());
        return reader.ReadToEnd();
    }

    private static string? Problem(Tensor expected, Tensor actual, DataType type, TorchScriptCase c)
    {
        if (expected.ElementCount != actual.ElementCount || !expected.Shape.SequenceEqual(actual.Shape))
        {
            return $"shape {actual.Shape}, expected {expected.Shape}";
        }

        var exact = type.IsQuantized ? 1.0 : 0.0;
        var (atol, rtol) = type.IsQuantized || !type.Element.IsFloat() ? (exact, 0.0) : (c.Atol, c.Rtol);
        var e = expected.ToDoubles();
        var a = actual.ToDoubles();
        for (var i = 0; i < e.Length; i++)
        {
            if (!(Math.Abs(a[i] - e[i]) <= atol + (rtol * Math.Abs(e[i]))) && !(double.IsNaN(a[i]) && double.IsNaN(e[i])))
            {
                return $"[{i}] = {a[i]:R}, expected {e[i]:R}";
            }
        }

        return null;
    }
}
