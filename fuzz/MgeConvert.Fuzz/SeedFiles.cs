using System.Text;

namespace MgeConvert.Fuzz;

/// <summary>
/// Seed inputs, read at run time from the fixture corpus (../shared/fixtures next to the worktree, or
/// MGECONVERT_FIXTURES) and the libonnx-testdata corpus; nothing is copied into the repository.
/// </summary>
public static class SeedFiles
{
    /// <summary>Seeds larger than this are skipped: throughput matters more than big weight blobs.</summary>
    public const int MaxSeedBytes = 512 * 1024;

    public const string OnnxTestData = "/usr/share/libonnx-testdata/data";

    public static string FixtureRoot()
    {
        if (Environment.GetEnvironmentVariable("MGECONVERT_FIXTURES") is { Length: > 0 } set)
        {
            return set;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "fixtures");
            if (File.Exists(Path.Combine(candidate, "manifest.json")))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("fixture corpus not found: set MGECONVERT_FIXTURES or run from a worktree next to shared/fixtures");
    }

    public static IReadOnlyList<string> Files(string root, string pattern) =>
        Directory.Exists(root)
            ? [.. Directory.EnumerateFiles(root, pattern, SearchOption.AllDirectories)
                .Where(f => new FileInfo(f).Length <= MaxSeedBytes)
                .Order(StringComparer.Ordinal)]
            : throw new DirectoryNotFoundException($"seed directory {root} does not exist");

    /// <summary>.mge fixtures whose container (after an optional mgbtest0 wrapper) is <paramref name="container"/>.</summary>
    public static IReadOnlyList<byte[]> Mge(string container) =>
        Require($".mge {container}", Files(FixtureRoot(), "*.mge").Select(File.ReadAllBytes).Where(b => ContainerOf(b) == container));

    public static IReadOnlyList<byte[]> TracedModules() =>
        Require(".tm", Files(FixtureRoot(), "*.tm").Select(File.ReadAllBytes));

    public static IReadOnlyList<byte[]> Onnx() =>
        Require("ONNX", Files(OnnxTestData, "*.onnx").Select(File.ReadAllBytes));

    public static string? ContainerOf(byte[] bytes)
    {
        var b = bytes.AsSpan();
        if (b.StartsWith("mgbtest0"u8) && b.Length >= 12)
        {
            b = b[12..];
        }

        if (b.StartsWith("MGBC"u8))
        {
            return "MGBC";
        }

        if (b.StartsWith("MGBS"u8))
        {
            return "MGBS";
        }

        return b.Length >= 12 && Encoding.ASCII.GetString(b[8..12]) == "mgv2" ? "mgv2" : null;
    }

    private static IReadOnlyList<byte[]> Require(string what, IEnumerable<byte[]> seeds)
    {
        var list = seeds.ToList();
        return list.Count > 0 ? list : throw new InvalidOperationException($"no {what} seed files found");
    }
}
