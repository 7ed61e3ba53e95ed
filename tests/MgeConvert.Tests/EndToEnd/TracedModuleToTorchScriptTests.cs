using MgeConvert.Formats.TracedModule;
using MgeConvert.Tests.Support;
using Xunit.Abstractions;

namespace MgeConvert.Tests.EndToEnd;

/// <summary>tracedmodule_to_torchscript on every .tm fixture (float and QAT): torch 1.13 against MegEngine's outputs.</summary>
public class TracedModuleToTorchScriptTests(ITestOutputHelper output)
{
    /// <summary>Fixtures TorchScript expresses today (all 117, the 7 QAT ones included); a drop means a regression.</summary>
    private const int MinimumPassing = 117;

    [Fact]
    public void EveryExpressibleTracedModuleFixtureMatchesMegEngineInTorch()
    {
        var result = TorchScriptCorpus.Run(
            FixtureCorpus.Cases(c => c.Kind == "tm" && c.ExpectOk),
            (fixture, options) => new TracedModuleReader().Read(fixture.ModelPath, options).Graph);
        TorchScriptCorpus.Report(output, "tracedmodule_to_torchscript", result, MinimumPassing);
    }
}
