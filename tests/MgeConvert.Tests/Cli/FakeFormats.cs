using System.Text;
using MgeConvert.Formats;
using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Tests.Cli;

/// <summary>A tiny made-up model format: a text header "FAKE &lt;format&gt;" that the fake reader turns into x → Relu → Add.</summary>
internal static class FakeModel
{
    public static string Magic(ModelFormat format) => $"FAKE {format}\n";

    public static string Create(string directory, ModelFormat format, string name = "model.fake")
    {
        var path = Path.Combine(directory, name);
        File.WriteAllText(path, Magic(format) + "payload");
        return path;
    }
}

internal sealed class FakeReader(ModelFormat format) : IModelReader
{
    public ModelFormat Format { get; } = format;

    public ConversionOptions? LastOptions { get; private set; }

    public bool CanRead(ReadOnlySpan<byte> header) => header.StartsWith(Encoding.ASCII.GetBytes(FakeModel.Magic(Format)));

    public ImportedModel Read(string path, ConversionOptions options)
    {
        LastOptions = options;
        var b = new GraphBuilder("fake");
        var x = b.Input("x", DataType.Float32, Shape.Of(1, 4));
        var r = b.Apply(new Unary(UnaryFunction.Relu), x);
        var c = b.Constant("bias", Tensor.FromFloats(Shape.Of(4), 1, 2, 3, 4));
        b.Output(b.Apply(new Binary(BinaryFunction.Add), r, c));
        var model = new ImportedModel(b.Graph, Format, "fake-container");
        model.Details.Add("made by the fake reader");
        return model;
    }
}

/// <summary>Writes "converted: &lt;ops&gt;" to the output (both files for Caffe); optionally fails in a chosen way.</summary>
internal sealed class FakeWriter(ModelFormat format) : IModelWriter
{
    public ModelFormat Format { get; } = format;

    public ConversionOptions? LastOptions { get; private set; }

    public Graph? LastGraph { get; private set; }

    /// <summary>Thrown by Prepare (before anything is written).</summary>
    public Exception? FailInPrepare { get; init; }

    /// <summary>Thrown by the last file's WriteTo after it wrote some bytes.</summary>
    public Exception? FailWhileWriting { get; init; }

    public IReadOnlyList<OutputFile> Prepare(Graph graph, ConversionOptions options)
    {
        LastOptions = options;
        LastGraph = graph;
        if (FailInPrepare is not null)
        {
            throw FailInPrepare;
        }

        var text = Encoding.UTF8.GetBytes("converted: " + string.Join(",", graph.Nodes.Select(n => n.Op.Name)));
        string[] paths = Format == ModelFormat.Caffe ? [options.Prototxt!, options.CaffeModel!] : [options.Output!];
        return [.. paths.Select((p, i) => new OutputFile(p, s => Write(s, text, i == paths.Length - 1)))];
    }

    private void Write(Stream stream, byte[] text, bool last)
    {
        stream.Write(text);
        if (last && FailWhileWriting is not null)
        {
            stream.Flush();
            throw FailWhileWriting;
        }
    }
}
