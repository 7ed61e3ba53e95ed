using MgeConvert.Formats.Npy;
using MgeConvert.Tests.Onnx;

namespace MgeConvert.Tests.Cli;

/// <summary>The README's first command, run as a user would, checked in ONNX Runtime against MegEngine's output.</summary>
public class SampleConversionTests
{
    [Fact]
    public void ReadmeSampleConvertsAndMatchesMegEngine()
    {
        var samples = Path.Combine(RepositoryRoot(), "samples");
        using var temp = new TempDirectory();
        var onnx = temp.File("resnet_tiny.onnx");

        var run = CliRun.Process(temp.Path, "mge_to_onnx", "-i", Path.Combine(samples, "resnet_tiny.mge"), "-o", onnx);

        Assert.True(run.ExitCode == 0, run.Error);
        var input = NpyFile.Read(Path.Combine(samples, "input_0.npy"));
        var expected = NpyFile.Read(Path.Combine(samples, "output_0.npy"));
        var outputs = OrtRunner.Run(File.ReadAllBytes(onnx), new Dictionary<string, global::MgeConvert.Ir.Tensor> { ["data"] = input }, ["out"]);
        Support.NumericAssert.Close(expected, outputs["out"].ToDoubles(), 1e-5, 1e-4, "resnet_tiny output");
    }

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MgeConvert.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("repository root not found");
    }
}
