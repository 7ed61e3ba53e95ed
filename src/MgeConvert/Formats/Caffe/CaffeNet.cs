using System.Collections;
using Google.Protobuf;
using MgeConvert.Formats.Caffe.Proto;

namespace MgeConvert.Formats.Caffe;

/// <summary>Writes a blob's values into <paramref name="target"/>, which has one element per element of the blob's shape.</summary>
internal delegate void FillValues(Span<float> target);

/// <summary>
/// A lowered Caffe network. Its large weight blobs carry only their shape; their values are computed from the
/// IR when the layer is serialized, so writing the .caffemodel holds one blob's weights at a time.
/// </summary>
internal sealed class CaffeNet(NetParameter structure, IReadOnlyDictionary<BlobProto, FillValues> deferredValues)
{
    /// <summary>The layers; blobs with deferred values have no data here.</summary>
    public NetParameter Structure { get; } = structure;

    /// <summary>
    /// Serializes the NetParameter layer by layer. Each layer is written as a NetParameter of its own: the
    /// concatenation of messages is the message with their repeated fields concatenated, and the name (field 1)
    /// precedes the layers (field 100) in a whole-message serialization too, so the bytes are the same.
    /// A deferred blob is swapped for a stand-in whose value buffers are reused from blob to blob.
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
        var largest = deferredValues.Keys.Select(Count).DefaultIfEmpty().Max();
        var values = new float[largest];
        var standIns = new List<BlobProto>();
        foreach (var layer in Structure.Layer)
        {
            var swapped = new List<(int Index, BlobProto Blob)>();
            try
            {
                for (var i = 0; i < layer.Blobs.Count; i++)
                {
                    if (deferredValues.TryGetValue(layer.Blobs[i], out var fill))
                    {
                        if (standIns.Count == swapped.Count)
                        {
                            standIns.Add(new BlobProto { Data = { Capacity = largest } });
                        }

                        var standIn = standIns[swapped.Count];
                        var count = Count(layer.Blobs[i]);
                        fill(values.AsSpan(0, count));
                        standIn.Shape = layer.Blobs[i].Shape;
                        standIn.Data.Clear();
                        standIn.Data.AddRange(new FloatPrefix(values, count));
                        swapped.Add((i, layer.Blobs[i]));
                        layer.Blobs[i] = standIn;
                    }
                }

                new NetParameter { Layer = { layer } }.WriteTo(output);
            }
            finally
            {
                foreach (var (index, blob) in swapped)
                {
                    layer.Blobs[index] = blob;
                }
            }
        }

        output.Flush();
    }

    /// <summary>The whole network with every blob's values (holds all weights at once).</summary>
    public NetParameter WithAllValues()
    {
        var net = Structure.Clone();
        for (var l = 0; l < net.Layer.Count; l++)
        {
            for (var i = 0; i < net.Layer[l].Blobs.Count; i++)
            {
                if (deferredValues.TryGetValue(Structure.Layer[l].Blobs[i], out var fill))
                {
                    var values = new float[Count(net.Layer[l].Blobs[i])];
                    fill(values);
                    net.Layer[l].Blobs[i].Data.AddRange(values);
                }
            }
        }

        return net;
    }

    private static int Count(BlobProto blob) => checked((int)blob.Shape.Dim.Aggregate(1L, (a, b) => a * b));

    /// <summary>The first elements of an array, as the collection a repeated field copies in one go.</summary>
    private sealed class FloatPrefix(float[] array, int count) : ICollection, IEnumerable<float>
    {
        public int Count => count;

        public bool IsSynchronized => false;

        public object SyncRoot => this;

        public void CopyTo(Array target, int index) => Array.Copy(array, 0, target, index, count);

        public IEnumerator<float> GetEnumerator() => array.Take(count).GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
