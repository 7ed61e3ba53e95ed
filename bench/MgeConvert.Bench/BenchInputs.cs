using MgeConvert.Formats;
using MgeConvert.Formats.Mge;
using MgeConvert.Formats.Onnx;
using MgeConvert.Formats.TracedModule;

namespace MgeConvert.Bench;

/// <summary>An input format of the benchmark: the generated model is written with <paramref name="Writer"/>.</summary>
public sealed record BenchInput(string Name, IModelWriter Writer)
{
    public ModelFormat Format => Writer.Format;

    /// <summary>Every input format measured; adding one is one line naming its writer.</summary>
    public static IReadOnlyList<BenchInput> All { get; } =
    [
        new("onnx", new OnnxWriter()),
        new("mge", new MgeWriter()),
        new("tm", new TracedModuleWriter()),
    ];
}
