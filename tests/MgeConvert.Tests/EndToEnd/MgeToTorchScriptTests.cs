using MgeConvert.Formats;
using MgeConvert.Formats.Mge;
using MgeConvert.Formats.TorchScript;
using MgeConvert.Passes;
using MgeConvert.Tests.Support;
using Xunit.Abstractions;

namespace MgeConvert.Tests.EndToEnd;

/// <summary>mge_to_torchscript on every .mge fixture: archives loaded by torch.jit.load in torch 1.13 against MegEngine's outputs.</summary>
public class MgeToTorchScriptTests(ITestOutputHelper output)
{
    /// <summary>Fixtures TorchScript expresses today (all 157); a drop means a regression.</summary>
    private const int MinimumPassing = 157;

    [Fact]
    public void EveryExpressibleMgeFixtureMatchesMegEngineInTorch()
    {
        var result = TorchScriptCorpus.Run(
            FixtureCorpus.Cases(c => c.Kind == "mge" && c.ExpectOk),
            (fixture, options) => new MgeReader().Read(fixture.ModelPath, options).Graph);
        TorchScriptCorpus.Report(output, "mge_to_torchscript", result, MinimumPassing);
    }

    [Fact]
    public void ArchiveIsByteIdenticalOnRerun()
    {
        using var temp = new Cli.TempDirectory();
        var fixture = FixtureCorpus.Load("nets/resnet_tiny_mgv2");
        var options = new ConversionOptions { Output = temp.File("resnet_tiny.pt") };

        byte[] Convert()
        {
            var graph = new MgeReader().Read(fixture.ModelPath, options).Graph;
            PassPipeline.Standard(ModelFormat.TorchScript, options).Run(graph);
            return TorchScriptWriter.Serialize(graph, options.Output!);
        }

        var first = Convert();
        var second = Convert();
        Assert.True(first.Length > 1000, $"archive of {first.Length} bytes");
        Assert.Equal(first, second);
    }
}
