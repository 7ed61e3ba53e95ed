using System.Buffers.Binary;
using System.Text;
using Google.FlatBuffers;
using MgeConvert.Formats;
using MgeConvert.Formats.Mge;
using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using MgeConvert.Tests.Onnx;
using MgeConvert.Tests.Support;
using Xunit.Abstractions;

namespace MgeConvert.Tests.MgeWriting;

/// <summary>
/// Loader compatibility without a MegEngine runtime: every operator record the writer emits must follow the
/// conventions of the .mge files MegEngine itself wrote (the fixtures), and the container framing must match theirs.
/// </summary>
public class MgeWriterConformanceTests(ITestOutputHelper output)
{
    [Fact]
    public void EveryEmittedOperatorRecordFollowsMegEngineFiles()
    {
        var fixtures = new HashSet<string>(StringComparer.Ordinal);
        var shapesByClass = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var containersByClass = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var path in MgeOpInventory.FixtureDumps())
        {
            foreach (var c in MgeOpInventory.Conventions(path, File.ReadAllBytes(path)))
            {
                fixtures.Add(c.Key);
                Add(shapesByClass, c.Class, c.Shape);
                Add(containersByClass, c.Class, c.Container);
            }
        }

        using var temp = new Cli.TempDirectory();
        var ours = new Dictionary<string, MgeOpConvention>(StringComparer.Ordinal);
        var sources = FixtureCorpus.Cases(c => c.Kind == "mge" && c.ExpectOk).Select(c => (ModelFormat.Mge, c.ModelPath, c.Id))
            .Concat(OnnxCorpus.Models("pytorch-operator").Concat(OnnxCorpus.Models("pytorch-converted"))
                .Select(d => (ModelFormat.Onnx, Path.Combine(d, "model.onnx"), Path.GetFileName(d))));
        var files = 0;
        foreach (var (format, path, id) in sources)
        {
            foreach (var container in MgeWriteHarness.Containers)
            {
                var file = temp.File($"{id.Replace('/', '_')}.{container}.mge");
                try
                {
                    new Converter().Convert(format, ModelFormat.Mge, path, new ConversionOptions { Output = file, MgeFormat = container });
                }
                catch (UnsupportedOpsException)
                {
                    continue;
                }

                files++;
                foreach (var c in MgeOpInventory.Conventions(file, File.ReadAllBytes(file)))
                {
                    ours.TryAdd(c.Key, c);
                }
            }
        }

        var exact = 0;
        var byFormula = new List<string>();
        var problems = new List<string>();
        foreach (var (key, c) in ours.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (fixtures.Contains(key))
            {
                exact++;
            }
            else if (containersByClass.GetValueOrDefault(c.Class)?.Contains(c.Container) == true)
            {
                problems.Add($"MegEngine writes {c.Class} differently in {c.Container}: ours {key}");
            }
            else if (shapesByClass.GetValueOrDefault(c.Class)?.Contains(c.Shape) == true && ExpectedId(c))
            {
                // MegEngine wrote this operator only in other containers: its params, tensors and outputs agree, and the
                // id is the §8 hash of its registration name (the hash reproduces every id the fixtures hold).
                byFormula.Add(key);
            }
            else
            {
                problems.Add($"no MegEngine-written file records {c.Class} this way: {key}");
            }
        }

        output.WriteLine($"{files} files written; {ours.Count} distinct operator conventions: {exact} identical to MegEngine's files, {byFormula.Count} seen in other containers only (id from §8)");
        byFormula.ForEach(k => output.WriteLine("  other-container: " + k));
        problems.ForEach(output.WriteLine);
        Assert.True(files > 300, $"only {files} files written");
        Assert.True(exact > 20, $"only {exact} conventions matched exactly");
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    private static bool ExpectedId(MgeOpConvention c) => Formats.Mge.Writing.MgeWriteTypes.For(c.Class, Container(c.Container)).TypeId == c.TypeId;

    private static MgeContainer Container(string name) => name switch
    {
        "MGBC" => MgeContainer.Mgbc,
        "MGBS" => MgeContainer.Mgbs,
        _ => MgeContainer.Mgv2,
    };

    private static void Add(Dictionary<string, HashSet<string>> map, string key, string value)
    {
        if (!map.TryGetValue(key, out var set))
        {
            map[key] = set = new HashSet<string>(StringComparer.Ordinal);
        }

        set.Add(value);
    }

    [Theory]
    [InlineData("ops_mge/active_relu", "mgv2")]
    [InlineData("nets/conv_bn_relu_pool_linear_mgbc", "MGBC")]
    [InlineData("nets/conv_bn_relu_pool_linear_mgbs_compat814", "MGBS")]
    public void FramingMatchesTheOriginalContainer(string id, string container)
    {
        var fixture = FixtureCorpus.Load(id);
        Assert.Equal(container, fixture.Container);
        using var temp = new Cli.TempDirectory();
        var (ours, _) = MgeWriteHarness.Write(ModelFormat.Mge, fixture.ModelPath, temp.File("out.mge"), container);
        var original = File.ReadAllBytes(fixture.ModelPath);
        var a = Framing(original, container);
        var b = Framing(ours, container);
        output.WriteLine($"original: {a}");
        output.WriteLine($"written:  {b}");
        Assert.Equal(a, b with { Version = a.Version, End = a.End });
        Assert.Equal(container switch { "MGBS" => 100700u, "MGBC" => 100900u, _ => 101300u }, b.Version);
        Assert.Equal(original.Length, a.End);
        Assert.Equal(ours.Length, b.End);
    }

    /// <summary>What a container's header and root say, independent of the graph inside (§3.1, §4.1).</summary>
    private sealed record ContainerFraming(string Magic, string HeaderZeros, string Identifier, uint ModelVersion, uint Version, bool HasMetadata, bool IsValid, bool TensorAreaConsistent, int End);

    private static ContainerFraming Framing(byte[] file, string container)
    {
        if (container == "mgv2")
        {
            var size = BinaryPrimitives.ReadUInt32LittleEndian(file);
            var model = Formats.Mge.Fbs.V2.Model.GetRootAsModel(new ByteBuffer(file, 4));
            return new ContainerFraming("", "", Encoding.ASCII.GetString(file, 8, 4), model.ModelVersion, model.MgeVersion, model.Metadata is not null,
                model.Metadata?.IsValid ?? false, true, 4 + (int)size);
        }

        var header = container == "MGBC" ? 24 : 16;
        var area = (int)BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(header - 8));
        var fbsSize = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(header + area));
        var graph = Formats.Mge.Fbs.V1.Graph.GetRootAsGraph(new ByteBuffer(file, header + area + 4));
        long valued = 0;
        for (var i = 0; i < graph.OprsLength; i++)
        {
            var op = graph.Oprs(i)!.Value;
            for (var j = 0; j < op.TensorsLength; j++)
            {
                valued += op.Tensors(j)!.Value.DataSize;
            }
        }

        return new ContainerFraming(Encoding.ASCII.GetString(file, 0, 4), Convert.ToHexString(file, 4, header - 12), Encoding.ASCII.GetString(file, header + area + 8, 4),
            0, graph.MgbVersion, graph.Metadata is not null, graph.Metadata?.IsValid ?? false, valued == area && graph.Hash != 0, header + area + 4 + (int)fbsSize);
    }
}
