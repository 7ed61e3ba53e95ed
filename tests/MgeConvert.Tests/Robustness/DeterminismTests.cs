using MgeConvert.Tests.Cli;
using MgeConvert.Tests.Support;
using Xunit.Abstractions;

namespace MgeConvert.Tests.Robustness;

/// <summary>
/// Converting the same input twice gives byte-identical files, for every path. Each conversion runs in its own
/// mgeconvert process, so per-process randomness (string hash seeds, thread timing) would show.
/// </summary>
public sealed class DeterminismTests(ITestOutputHelper output)
{
    private static readonly string[] Fixtures =
    [
        "nets/resnet_tiny_mgv2", "nets/resnet_tiny_mgbc", "nets/resnet_tiny_mgbs_compat814", "nets/resnet_tiny_tm",
        "nets/mobile_tiny_mgv2", "nets/mobile_tiny_tm", "nets/multi_io_tm", "quant/qconvbnrelu_pool_int8_mgv2",
        "quant/qconvbnrelu_pool_qat_tm",
    ];

    public static TheoryData<string> Targets => ["onnx", "tflite", "caffe", "torchscript"];

    [Theory]
    [MemberData(nameof(Targets))]
    public void TwoConversionsInFreshProcessesAreByteIdentical(string target)
    {
        using var dir = new TempDirectory();
        var compared = 0;
        var failures = new List<string>();
        foreach (var id in Fixtures)
        {
            var fixture = FixtureCorpus.Load(id);
            var source = fixture.Kind == "tm" ? "tracedmodule" : "mge";
            var runs = new[] { "a", "b" }.Select(run =>
            {
                var runDir = Path.Combine(dir.Path, run);
                Directory.CreateDirectory(runDir);
                var outputs = target == "caffe"
                    ? new[] { Path.Combine(runDir, "model.prototxt"), Path.Combine(runDir, "model.caffemodel") }
                    : [Path.Combine(runDir, "model." + target)];
                // Relative names: both runs then print the same messages.
                string[] flags = target == "caffe" ? ["-c", "model.prototxt", "-b", "model.caffemodel"] : ["-o", "model." + target];
                var result = CliRun.Process(runDir, [$"{source}_to_{target}", "-i", fixture.ModelPath, .. flags]);
                return (result, outputs);
            }).ToList();

            var (first, firstFiles) = runs[0];
            var (second, secondFiles) = runs[1];
            if (first.ExitCode != second.ExitCode || first.Error != second.Error)
            {
                failures.Add($"{id}: the two runs ended differently ({first.ExitCode}: {first.Error} / {second.ExitCode}: {second.Error})");
                continue;
            }

            if (first.ExitCode != 0)
            {
                output.WriteLine($"{id}: refused both times alike: {first.ErrorLines.FirstOrDefault()}");
                continue;
            }

            foreach (var (a, b) in firstFiles.Zip(secondFiles))
            {
                compared++;
                if (!File.ReadAllBytes(a).AsSpan().SequenceEqual(File.ReadAllBytes(b)))
                {
                    failures.Add($"{id}: {Path.GetFileName(a)} differs between two runs");
                }
            }

            Directory.Delete(Path.Combine(dir.Path, "a"), recursive: true);
            Directory.Delete(Path.Combine(dir.Path, "b"), recursive: true);
        }

        output.WriteLine($"{target}: {compared} output files compared byte for byte, {failures.Count} differences");
        Assert.True(compared >= Fixtures.Length - 2, $"only {compared} outputs compared");
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }
}
