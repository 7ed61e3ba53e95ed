namespace MgeConvert.Fuzz;

public static class FuzzTargets
{
    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        new("mge-mgv2", ".mge FlatBuffers v2 dumps (magic mgv2 at byte 8)", () => SeedFiles.Mge("mgv2")),
        new("mge-MGBC", ".mge FlatBuffers v1 dumps with magic MGBC", () => SeedFiles.Mge("MGBC")),
        new("mge-MGBS", ".mge FlatBuffers v1 dumps with magic MGBS (incl. the legacy file)", () => SeedFiles.Mge("MGBS")),
        new("tm", "TracedModule pickles", SeedFiles.TracedModules),
        new("onnx", "ONNX models of libonnx-testdata", SeedFiles.Onnx),
        new("written", "files our own writers produce from the fixtures", WrittenSeeds.Load),
    ];

    public static FuzzTarget Find(string name) =>
        All.FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"unknown target {name}; known: {string.Join(", ", All.Select(t => t.Name))}");
}
