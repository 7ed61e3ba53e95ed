namespace MgeConvert.Tests.Cli;

internal sealed class TempDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("mgeconvert-test-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Every file name in the directory, including hidden temporaries.</summary>
    public string[] Files() => [.. Directory.GetFiles(Path).Select(f => System.IO.Path.GetFileName(f)!).Order(StringComparer.Ordinal)];

    public string RandomFile(string name, int length = 256, int seed = 7)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        var path = File(name);
        System.IO.File.WriteAllBytes(path, bytes);
        return path;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
