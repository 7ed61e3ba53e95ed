using MgeConvert.Formats;
using MgeConvert.Formats.Caffe;
using MgeConvert.Formats.Mge;
using MgeConvert.Formats.Onnx;
using MgeConvert.Formats.TFLite;
using MgeConvert.Formats.TorchScript;
using MgeConvert.Formats.TracedModule;
using MgeConvert.Passes;

namespace MgeConvert;

/// <summary>The readers, writers and pass pipeline this library ships with; the single place to register them.</summary>
public static class BuiltInFormats
{
    public static IEnumerable<IModelReader> Readers() => [new MgeReader(), new OnnxReader(), new TracedModuleReader()];

    public static IEnumerable<IModelWriter> Writers() =>
        [new OnnxWriter(), new TFLiteWriter(), new CaffeWriter(), new TorchScriptWriter(), new MgeWriter(), new TracedModuleWriter()];

    /// <summary>The target's standard passes (<see cref="PassPipeline.Standard(ModelFormat, ConversionOptions)"/>).</summary>
    public static IGraphPipeline Pipeline() => GraphPipeline.From((graph, context) =>
    {
        var report = PassPipeline.Standard(context.Target, context.Options).Run(graph);
        context.Log.AddRange(report.Records.Where(r => r.Changed).Select(r => r.ToString()));
        return graph;
    });
}
