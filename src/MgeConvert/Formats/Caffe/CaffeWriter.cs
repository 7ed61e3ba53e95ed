using System.Text;
using MgeConvert.Formats.Caffe.Proto;
using MgeConvert.Ir;

namespace MgeConvert.Formats.Caffe;

/// <summary>
/// Writes a network as a Caffe <c>.prototxt</c> (text, no weights) plus a <c>.caffemodel</c> (binary
/// NetParameter with the same layers and their weight blobs).
/// </summary>
public sealed class CaffeWriter : IModelWriter, IWriterOpCounts
{
    public ModelFormat Format => ModelFormat.Caffe;

    // Per flow of execution: one writer instance (the registry's) serves concurrent conversions.
    private readonly AsyncLocal<IReadOnlyList<OpCount>?> _lastTargetOps = new();

    public IReadOnlyList<OpCount> LastTargetOps
    {
        get => _lastTargetOps.Value ?? [];
        private set => _lastTargetOps.Value = value;
    }

    public IReadOnlyList<OutputFile> Prepare(Graph graph, ConversionOptions options)
    {
        var prototxt = options.Prototxt ?? throw new ArgumentException("Caffe output needs a prototxt path", nameof(options));
        var caffemodel = options.CaffeModel ?? throw new ArgumentException("Caffe output needs a caffemodel path", nameof(options));
        var net = Lower(graph, options, prototxt);
        LastTargetOps = OpHistogram.Of(net.Structure.Layer.GroupBy(l => l.Type, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal));
        var text = Encoding.UTF8.GetBytes(ProvenanceComment(graph) + ToPrototxt(net.Structure));
        return
        [
            new OutputFile(prototxt, s => s.Write(text)),
            new OutputFile(caffemodel, net.WriteTo),
        ];
    }

    /// <summary>The network with weights; throws <see cref="UnsupportedOpsException"/> listing every op Caffe cannot express.</summary>
    public static NetParameter BuildNet(Graph graph, ConversionOptions options, string file) => Lower(graph, options, file).WithAllValues();

    private static CaffeNet Lower(Graph graph, ConversionOptions options, string file)
    {
        if (!Enum.IsDefined((CaffeBackend)options.ConvertBackend))
        {
            throw new ModelFormatException(file, $"unsupported convert backend {options.ConvertBackend}; expected 1 (caffe), 2 (snpe), 3 (trt) or 4 (nnie)");
        }

        return CaffeLowering.Lower(graph, options, (CaffeBackend)options.ConvertBackend, file);
    }

    /// <summary>A caffemodel has no free-form field, so provenance goes into a comment at the top of the prototxt.</summary>
    private static string ProvenanceComment(Graph graph) =>
        graph.Metadata.TryGetValue(Provenance.MetadataKey, out var provenance) ? "# " + provenance + "\n" : "";

    /// <summary>The network text as written to the .prototxt.</summary>
    public static string ToPrototxt(NetParameter net) => CaffeTextFormat.Print(WithoutBlobs(net));

    /// <summary>A copy without weights; the blobs are set aside while cloning so the weights are never copied.</summary>
    private static NetParameter WithoutBlobs(NetParameter net)
    {
        var blobs = net.Layer.Select(l => l.Blobs.ToArray()).ToList();
        foreach (var layer in net.Layer)
        {
            layer.Blobs.Clear();
        }

        try
        {
            return net.Clone();
        }
        finally
        {
            for (var i = 0; i < blobs.Count; i++)
            {
                net.Layer[i].Blobs.AddRange(blobs[i]);
            }
        }
    }
}
