using MgeConvert.Formats;
using MgeConvert.Formats.Mge;
using MgeConvert.Formats.Onnx;
using MgeConvert.Formats.TracedModule;

namespace MgeConvert.Fuzz;

/// <summary>Seeds for the "written" target: fixture models converted by our own writers, then read back.</summary>
public static class WrittenSeeds
{
    /// <summary>Every writer whose format we can also read; adding one is one line.</summary>
    public static IReadOnlyList<IModelWriter> Writers() =>
    [
        new OnnxWriter(),
        new MgeWriter(),
        new TracedModuleWriter(),
    ];

    /// <summary>How many fixture models each writer converts into seeds.</summary>
    public const int ModelsPerWriter = 60;

    public static IReadOnlyList<byte[]> Load()
    {
        var sources = SeedFiles.Files(SeedFiles.FixtureRoot(), "*.mge")
            .Concat(SeedFiles.Files(SeedFiles.FixtureRoot(), "*.tm"))
            .Where(f => !f.Contains("/negative/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
        var dir = Directory.CreateTempSubdirectory("mgeconvert-fuzz-seeds-").FullName;
        var seeds = new List<byte[]>();
        try
        {
            foreach (var writer in Writers())
            {
                var written = 0;
                var withWriter = new Converter(new FormatRegistry(BuiltInFormats.Readers(), [writer]), BuiltInFormats.Pipeline());
                for (var i = 0; i < sources.Count && written < ModelsPerWriter; i += Math.Max(1, sources.Count / ModelsPerWriter))
                {
                    var output = Path.Combine(dir, $"seed{seeds.Count}.{writer.Format}");
                    try
                    {
                        var from = sources[i].EndsWith(".tm", StringComparison.Ordinal) ? ModelFormat.TracedModule : ModelFormat.Mge;
                        withWriter.Convert(from, writer.Format, sources[i], new ConversionOptions { Output = output });
                        seeds.Add(File.ReadAllBytes(output));
                        written++;
                    }
                    catch (ModelFormatException)
                    {
                        // Fixtures this writer cannot express are simply no seed.
                    }
                }
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }

        return seeds.Count > 0 ? seeds : throw new InvalidOperationException("no written seed could be produced");
    }
}
