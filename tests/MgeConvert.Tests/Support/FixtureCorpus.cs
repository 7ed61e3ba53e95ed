using System.Text.Json;
using MgeConvert.Formats.Npy;
using MgeConvert.Ir;

namespace MgeConvert.Tests.Support;

/// <summary>The shared MegEngine fixture corpus (../shared/fixtures beside the repository).</summary>
public static class FixtureCorpus
{
    private static readonly Lazy<string> RootPath = new(Locate);

    public static string Root => RootPath.Value;

    /// <summary>Every case of the manifest, optionally filtered.</summary>
    public static IEnumerable<FixtureCase> Cases(Func<FixtureCase, bool>? filter = null)
    {
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "manifest.json")));
        foreach (var entry in manifest.RootElement.GetProperty("cases").EnumerateArray())
        {
            var c = Load(entry.GetProperty("id").GetString()!);
            if (filter is null || filter(c))
            {
                yield return c;
            }
        }
    }

    /// <summary>Case ids for xunit [MemberData].</summary>
    public static TheoryData<string> Ids(Func<FixtureCase, bool> filter)
    {
        var data = new TheoryData<string>();
        foreach (var c in Cases(filter))
        {
            data.Add(c.Id);
        }

        return data;
    }

    public static FixtureCase Load(string id) => new(id, Path.Combine(Root, id));

    private static string Locate()
    {
        var fromEnv = Environment.GetEnvironmentVariable("MGECONVERT_FIXTURES");
        if (!string.IsNullOrEmpty(fromEnv))
        {
            return Require(fromEnv);
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MgeConvert.slnx")))
            {
                return Require(Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "fixtures")));
            }
        }

        throw new InvalidOperationException("cannot locate the repository root (MgeConvert.slnx) above " + AppContext.BaseDirectory);
    }

    private static string Require(string path) =>
        File.Exists(Path.Combine(path, "manifest.json"))
            ? path
            : throw new InvalidOperationException($"fixture corpus missing: {path}/manifest.json not found (set MGECONVERT_FIXTURES)");
}

/// <summary>One fixture case: model file, inputs, MegEngine's outputs and case.json metadata.</summary>
public sealed class FixtureCase
{
    public FixtureCase(string id, string directory)
    {
        Id = id;
        Directory = directory;
        Json = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, "case.json"))).RootElement;
    }

    public string Id { get; }

    public string Directory { get; }

    public JsonElement Json { get; }

    public string Kind => Json.GetProperty("kind").GetString()!;

    public string Container => Json.GetProperty("container").GetString()!;

    public string Precision => Json.GetProperty("precision").GetString()!;

    public bool ExpectOk => Json.GetProperty("expect").GetString() == "ok";

    public string ModelPath => Path.Combine(Directory, Json.GetProperty("file").GetString()!);

    public double Atol => Json.TryGetProperty("tolerance", out var t) && t.TryGetProperty("atol", out var a) ? a.GetDouble() : 1e-5;

    public double Rtol => Json.TryGetProperty("tolerance", out var t) && t.TryGetProperty("rtol", out var r) ? r.GetDouble() : 1e-5;

    public IReadOnlyList<(string Name, Tensor Data)> Inputs => Tensors("inputs");

    public IReadOnlyList<(string Name, Tensor Data)> Outputs => Tensors("outputs");

    public override string ToString() => Id;

    private List<(string, Tensor)> Tensors(string key) =>
        [.. Json.GetProperty(key).EnumerateArray().Select(e =>
            (e.GetProperty("name").GetString()!, NpyFile.Read(Path.Combine(Directory, e.GetProperty("file").GetString()!))))];
}
