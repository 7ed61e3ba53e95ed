using System.Diagnostics;
using System.Globalization;
using MgeConvert.Formats;
using MgeConvert.IO;

namespace MgeConvert.Bench;

/// <summary>
/// Writes a generated ResNet-50 in every registered input format, converts it along every available path, each
/// run in a fresh process, and prints a markdown table of wall time, CPU time and peak RSS (median, min, max)
/// next to the cost of copying the file and of starting a process, with the goals checked per path.
/// </summary>
public static class Benchmark
{
    public static int Run(int runs)
    {
        var dir = Directory.CreateTempSubdirectory("mgeconvert-bench-").FullName;
        try
        {
            var graph = ResNet50.Build();
            Console.WriteLine($"model: ResNet-50, {graph.Nodes.Count} nodes; {runs} runs per path, {Environment.ProcessorCount} cores");
            var start = Measure(runs, () => Probe("noop", dir));
            Console.WriteLine($"process start (runtime + this binary, no work): {Format(start.Select(s => s.Wall))} ms");
            Console.WriteLine();
            Console.WriteLine("| path | model MB | wall ms (median / min / max) | CPU ms (median / min / max) | peak RSS MB (median / min / max) | time goal | RSS goal |");
            Console.WriteLine("|---|---|---|---|---|---|---|");
            var registry = FormatRegistry.Default;
            foreach (var input in BenchInput.All)
            {
                var model = Path.Combine(dir, "resnet50." + input.Name);
                foreach (var file in input.Writer.Prepare(graph, new ConversionOptions { Output = model }))
                {
                    AtomicFile.Write(file.Path, file.WriteTo);
                }

                var size = new FileInfo(model).Length;
                var copy = Measure(runs, () => CopyOnce(model, Path.Combine(dir, "copy.bin")));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| copy of the .{input.Name} file (reference) | {size / 1e6:F1} | {Format(copy.Select(s => s.Wall))} | - | - | - | - |"));
                var timeGoal = 3 * (Median(copy.Select(s => s.Wall)) + Median(start.Select(s => s.Wall)));
                var rssGoal = (1.5 * size) + 100e6;
                foreach (var target in registry.Writers.Select(w => w.Format).Where(t => registry.CanConvert(input.Format, t)))
                {
                    var name = target.ToString().ToLowerInvariant();
                    var output = Path.Combine(dir, "out." + name);
                    var samples = Measure(runs, () => Probe($"convert {input.Format} {target} {model} {output}", dir));
                    var wall = Median(samples.Select(s => s.Wall));
                    var rss = Median(samples.Select(s => s.Rss));
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"| {input.Name} → {name} | {size / 1e6:F1} | {Format(samples.Select(s => s.Wall))} | {Format(samples.Select(s => s.Cpu))} | " +
                        $"{Format(samples.Select(s => s.Rss / 1e6))} | {Verdict(wall, timeGoal, "ms")} | {Verdict(rss / 1e6, rssGoal / 1e6, "MB")} |"));
                }
            }

            return 0;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Writes the generated model in one registered input format, for measuring a path by hand.</summary>
    public static int WriteModel(string input, string path)
    {
        var writer = BenchInput.All.Single(i => i.Name == input).Writer;
        foreach (var file in writer.Prepare(ResNet50.Build(), new ConversionOptions { Output = path }))
        {
            AtomicFile.Write(file.Path, file.WriteTo);
        }

        return 0;
    }

    private sealed record Sample(double Wall, double Cpu, double Rss);

    private static string Verdict(double value, double goal, string unit) =>
        string.Create(CultureInfo.InvariantCulture, $"{(value <= goal ? "met" : "missed")} (≤ {goal:F0} {unit})");

    private static List<Sample> Measure(int runs, Func<Sample> once) => [.. Enumerable.Range(0, runs).Select(_ => once())];

    private static Sample CopyOnce(string from, string to)
    {
        var clock = Stopwatch.StartNew();
        File.Copy(from, to, overwrite: true);
        return new Sample(clock.Elapsed.TotalMilliseconds, 0, 0);
    }

    /// <summary>
    /// Runs this benchmark binary as a child process. Wall time is measured from outside (process start included);
    /// CPU time and peak RSS are what the child reports about itself.
    /// </summary>
    private static Sample Probe(string arguments, string dir)
    {
        var self = Environment.ProcessPath!;
        var viaHost = Path.GetFileNameWithoutExtension(self) == "dotnet";
        var entry = Path.Combine(AppContext.BaseDirectory, typeof(Benchmark).Assembly.GetName().Name + ".dll");
        var info = new ProcessStartInfo(self, viaHost ? $"{entry} {arguments}" : arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = dir,
        };

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info)!;
        var text = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        var wall = clock.Elapsed.TotalMilliseconds;
        var parts = text.Trim().Split(' ');
        return process.ExitCode == 0 && parts.Length == 2
            ? new Sample(wall, double.Parse(parts[0], CultureInfo.InvariantCulture), double.Parse(parts[1], CultureInfo.InvariantCulture))
            : throw new InvalidOperationException($"probe failed ({process.ExitCode}): {error}{text}");
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    private static string Format(IEnumerable<double> values)
    {
        var list = values.ToList();
        return string.Create(CultureInfo.InvariantCulture, $"{Median(list):F0} / {list.Min():F0} / {list.Max():F0}");
    }
}
