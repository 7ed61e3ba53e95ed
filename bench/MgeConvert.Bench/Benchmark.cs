using System.Diagnostics;
using System.Globalization;
using MgeConvert.Formats;
using MgeConvert.Formats.Onnx;
using MgeConvert.IO;

namespace MgeConvert.Bench;

/// <summary>
/// Converts a generated ResNet-50 along every available path, each run in a fresh process, and prints a
/// markdown table of wall time, CPU time and peak RSS (median, min, max) next to the cost of copying the file.
/// </summary>
public static class Benchmark
{
    public static int Run(int runs)
    {
        var dir = Directory.CreateTempSubdirectory("mgeconvert-bench-").FullName;
        try
        {
            var onnx = Path.Combine(dir, "resnet50.onnx");
            var graph = ResNet50.Build();
            foreach (var file in new OnnxWriter().Prepare(graph, new ConversionOptions { Output = onnx }))
            {
                AtomicFile.Write(file.Path, file.WriteTo);
            }

            var size = new FileInfo(onnx).Length;
            Console.WriteLine($"model: ResNet-50, {graph.Nodes.Count} nodes, {size / 1e6:F1} MB ONNX; {runs} runs per path, {Environment.ProcessorCount} cores");
            Console.WriteLine();
            Console.WriteLine("| path | wall ms (median / min / max) | CPU ms (median) | peak RSS MB (median) | RSS / model size |");
            Console.WriteLine("|---|---|---|---|---|");
            var copy = Measure(runs, () => CopyOnce(onnx, Path.Combine(dir, "copy.bin")));
            Console.WriteLine($"| file copy (reference) | {Format(copy.Select(s => s.Wall))} | - | - | - |");
            foreach (var target in new[] { ModelFormat.Onnx, ModelFormat.TFLite, ModelFormat.Caffe, ModelFormat.TorchScript })
            {
                var output = Path.Combine(dir, "out." + target.ToString().ToLowerInvariant());
                var samples = Measure(runs, () => Probe($"convert onnx {target} {onnx} {output}", dir));
                var rss = Median(samples.Select(s => s.Rss));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| onnx → {target.ToString().ToLowerInvariant()} | {Format(samples.Select(s => s.Wall))} | {Median(samples.Select(s => s.Cpu)):F0} | {rss / 1e6:F0} | {rss / size:F2} |"));
            }

            return 0;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private sealed record Sample(double Wall, double Cpu, double Rss);

    private static List<Sample> Measure(int runs, Func<Sample> once) => [.. Enumerable.Range(0, runs).Select(_ => once())];

    private static Sample CopyOnce(string from, string to)
    {
        var clock = Stopwatch.StartNew();
        File.Copy(from, to, overwrite: true);
        return new Sample(clock.Elapsed.TotalMilliseconds, 0, 0);
    }

    /// <summary>Runs this benchmark binary as a child process; its own report is measured inside the child.</summary>
    private static Sample Probe(string arguments, string dir)
    {
        var self = Environment.ProcessPath!;
        var viaHost = Path.GetFileNameWithoutExtension(self) == "dotnet";
        var info = new ProcessStartInfo(self, viaHost ? $"{typeof(Benchmark).Assembly.Location} {arguments}" : arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = dir,
        };

        using var process = Process.Start(info)!;
        var text = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        var parts = text.Trim().Split(' ');
        return process.ExitCode == 0 && parts.Length == 3
            ? new Sample(double.Parse(parts[0], CultureInfo.InvariantCulture), double.Parse(parts[1], CultureInfo.InvariantCulture), double.Parse(parts[2], CultureInfo.InvariantCulture))
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
