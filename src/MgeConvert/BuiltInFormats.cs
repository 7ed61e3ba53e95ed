using MgeConvert.Formats;

namespace MgeConvert;

/// <summary>The readers, writers and pass pipeline this library ships with; the single place to register them.</summary>
public static class BuiltInFormats
{
    public static IEnumerable<IModelReader> Readers() => [];

    public static IEnumerable<IModelWriter> Writers() => [];

    public static IGraphPipeline Pipeline() => GraphPipeline.None;
}
