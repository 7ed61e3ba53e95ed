using System.Runtime.InteropServices;
using MgeConvert.Formats;
using MgeConvert.Formats.Caffe;
using MgeConvert.IO;
using MgeConvert.Ir;
using OpenCvSharp;
using OpenCvSharp.Dnn;

namespace MgeConvert.Tests.Caffe;

/// <summary>Converts an IR graph with <see cref="CaffeWriter"/> and runs the files in OpenCV's Caffe importer.</summary>
internal sealed class OpenCvCaffe : IDisposable
{
    public OpenCvCaffe()
    {
        Directory = Path.Combine(Path.GetTempPath(), "mgeconvert-caffe-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
    }

    public string Directory { get; }

    /// <summary>The .prototxt of the last <see cref="Run"/>.</summary>
    public string PrototxtText { get; private set; } = "";

    public string Prototxt => Path.Combine(Directory, "net.prototxt");

    public string CaffeModel => Path.Combine(Directory, "net.caffemodel");

    public ConversionOptions Options(bool fuseBn = false, bool splitConvRelu = false, int backend = 1, bool emptyBlobs = false) => new()
    {
        Prototxt = Prototxt,
        CaffeModel = CaffeModel,
        FuseBn = fuseBn,
        SplitConvRelu = splitConvRelu,
        ConvertBackend = backend,
        UseEmptyBlobs = emptyBlobs,
    };

    /// <summary>Writes the graph; returns the network that was written.</summary>
    public Formats.Caffe.Proto.NetParameter Write(Graph graph, ConversionOptions? options = null)
    {
        options ??= Options();
        var files = new CaffeWriter().Prepare(graph, options);
        AtomicFile.WriteAll([.. files.Select(f => (f.Path, f.WriteTo))]);
        return Formats.Caffe.Proto.NetParameter.Parser.ParseFrom(File.ReadAllBytes(CaffeModel));
    }

    /// <summary>Converts, runs one forward pass and returns every graph output (in graph order).</summary>
    public float[][] Run(Graph graph, IReadOnlyList<float[]> inputs, ConversionOptions? options = null)
    {
        var net = Write(graph, options);
        PrototxtText = File.ReadAllText(Prototxt);
        using var cv = CvDnn.ReadNetFromCaffe(Prototxt, CaffeModel) ?? throw new InvalidOperationException("OpenCV returned no network");
        Assert.False(cv.Empty(), "OpenCV loaded an empty network");
        var mats = new List<Mat>();
        try
        {
            for (var i = 0; i < graph.Inputs.Count; i++)
            {
                var mat = Mat.FromPixelData(graph.Inputs[i].Shape.ToIntArray(), MatType.CV_32F, inputs[i]);
                mats.Add(mat);
                cv.SetInput(mat, graph.Inputs[i].Name);
            }

            return [.. graph.Outputs.Select(o => Forward(cv, net, o.Name))];
        }
        finally
        {
            foreach (var m in mats)
            {
                m.Dispose();
            }
        }
    }

    public void Dispose()
    {
        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }

    /// <summary>
    /// OpenCV addresses outputs by layer name, and renames some layers after their top blob: asks for the
    /// last layer writing the blob (picking the blob among its outputs), else for the blob's name.
    /// </summary>
    private static float[] Forward(Net cv, Formats.Caffe.Proto.NetParameter net, string blob)
    {
        var layer = net.Layer.Last(l => l.Top.Contains(blob));
        var known = cv.GetLayerNames();
        var name = known.Contains(layer.Name) ? layer.Name : blob;
        var results = layer.Top.Select(_ => new Mat()).ToArray();
        try
        {
            cv.Forward(results, name);
            return ToFloats(results[name == blob && layer.Top.Count == 1 ? 0 : layer.Top.IndexOf(blob)]);
        }
        finally
        {
            foreach (var r in results)
            {
                r.Dispose();
            }
        }
    }

    private static float[] ToFloats(Mat mat)
    {
        Assert.True(mat.IsContinuous(), "OpenCV output is not continuous");
        var result = new float[mat.Total()];
        Marshal.Copy(mat.Data, result, 0, result.Length);
        return result;
    }
}
