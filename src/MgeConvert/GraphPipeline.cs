using MgeConvert.Formats;
using MgeConvert.Ir;

namespace MgeConvert;

/// <summary>The passes run between reading and writing (target-specific rewrites, quantization).</summary>
public interface IGraphPipeline
{
    /// <summary>Rewrites <paramref name="graph"/> for the conversion; returns the graph to write (may be the same object).</summary>
    Graph Run(Graph graph, PipelineContext context);
}

/// <summary>What a pipeline knows about the conversion it runs in.</summary>
public sealed class PipelineContext(ModelFormat source, ModelFormat target, string inputPath, ConversionOptions options)
{
    public ModelFormat Source { get; } = source;

    public ModelFormat Target { get; } = target;

    public string InputPath { get; } = inputPath;

    public ConversionOptions Options { get; } = options;

    /// <summary>Non-fatal findings; they end up in <see cref="ConversionResult.Warnings"/>.</summary>
    public List<string> Warnings { get; } = [];

    /// <summary>What the passes did (one line per change); ends up in <see cref="ConversionResult.PassLog"/>.</summary>
    public List<string> Log { get; } = [];
}

public static class GraphPipeline
{
    /// <summary>Leaves the graph as read.</summary>
    public static IGraphPipeline None { get; } = new DelegatePipeline((graph, _) => graph);

    public static IGraphPipeline From(Func<Graph, PipelineContext, Graph> run) => new DelegatePipeline(run);

    private sealed class DelegatePipeline(Func<Graph, PipelineContext, Graph> run) : IGraphPipeline
    {
        public Graph Run(Graph graph, PipelineContext context) => run(graph, context);
    }
}
