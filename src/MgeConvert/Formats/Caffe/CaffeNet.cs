using Google.Protobuf;
using MgeConvert.Formats.Caffe.Proto;

namespace MgeConvert.Formats.Caffe;

/// <summary>
/// A lowered Caffe network. Its large weight blobs carry only their shape; their values are computed from the
/// IR when the layer is serialized, so writing the .caffemodel holds one layer's weights at a time.
/// </summary>
internal sealed class CaffeNet(NetParameter structure, IReadOnlyDictionary<BlobProto, Func<float[]>> deferredValues)
{
    /// <summary>The layers; blobs with deferred values have no data here.</summary>
    public NetParameter Structure { get; } = structure;

    /// <summary>
    /// Serializes the NetParameter layer by layer. Each layer is written as a NetParameter of its own: the
    /// concatenation of messages is the message with their repeated fields concatenated, and the name (field 1)
    /// precedes the layers (field 100) in a whole-message serialization too, so the bytes are the same.
    /// </summary>
    public void WriteTo(Stream stream)
    {
        var output = new CodedOutputStream(stream, leaveOpen: true);
        var header = new NetParameter();
        if (Structure.HasName)
        {
            header.Name = Structure.Name;
        }

        header.WriteTo(output);
        foreach (var layer in Structure.Layer)
        {
            new NetParameter { Layer = { WithValues(layer) } }.WriteTo(output);
        }

        output.Flush();
    }

    /// <summary>The whole network with every blob's values (holds all weights at once).</summary>
    public NetParameter WithAllValues()
    {
        var net = Structure.Clone();
        net.Layer.Clear();
        net.Layer.AddRange(Structure.Layer.Select(WithValues));
        return net;
    }

    private LayerParameter WithValues(LayerParameter layer)
    {
        if (!layer.Blobs.Any(deferredValues.ContainsKey))
        {
            return layer;
        }

        var filled = layer.Clone();
        for (var i = 0; i < layer.Blobs.Count; i++)
        {
            if (deferredValues.TryGetValue(layer.Blobs[i], out var values))
            {
                filled.Blobs[i].Data.AddRange(values());
            }
        }

        return filled;
    }
}
