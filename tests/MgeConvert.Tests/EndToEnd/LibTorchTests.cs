using MgeConvert.Formats.Mge;
using MgeConvert.Formats.TracedModule;
using MgeConvert.Tests.Support;
using MgeConvert.Tests.TorchScript;
using Xunit.Abstractions;

namespace MgeConvert.Tests.EndToEnd;

/// <summary>
/// The second TorchScript oracle: every .mge and .tm fixture converted to TorchScript, loaded with torch.jit.load in
/// libtorch 2.10 (TorchSharp, in process) and compared with MegEngine's outputs at the torch 1.13 tests' tolerances.
/// </summary>
public class LibTorchTests(ITestOutputHelper output)
{
    /// <summary>Same counts as torch 1.13 (<see cref="MgeToTorchScriptTests"/>, <see cref="TracedModuleToTorchScriptTests"/>).</summary>
    private const int MinimumMgePassing = 157;
    private const int MinimumTracedModulePassing = 117;

    [Fact]
    public void EveryMgeFixtureMatchesMegEngineInLibTorch210()
    {
        var result = TorchScriptCorpus.Run(
            FixtureCorpus.Cases(c => c.Kind == "mge" && c.ExpectOk),
            (fixture, options) => new MgeReader().Read(fixture.ModelPath, options).Graph,
            TorchScriptCorpus.LibTorch210);
        TorchScriptCorpus.Report(output, "libtorch 2.10 mge_to_torchscript", result, MinimumMgePassing);
    }

    [Fact]
    public void EveryTracedModuleFixtureMatchesMegEngineInLibTorch210()
    {
        var result = TorchScriptCorpus.Run(
            FixtureCorpus.Cases(c => c.Kind == "tm" && c.ExpectOk),
            (fixture, options) => new TracedModuleReader().Read(fixture.ModelPath, options).Graph,
            TorchScriptCorpus.LibTorch210);
        TorchScriptCorpus.Report(output, "libtorch 2.10 tracedmodule_to_torchscript", result, MinimumTracedModulePassing);
    }

    [Fact]
    public void BuildOutputLibraryNeedsGlibcxx3432OnlyWeakly()
    {
        Assert.True(File.Exists(LibTorchSharpPatch.LibraryPath), $"missing {LibTorchSharpPatch.LibraryPath}");
        Assert.False(LibTorchSharpPatch.MarkWeak(LibTorchSharpPatch.LibraryPath, "GLIBCXX_3.4.32"), "the module initializer left GLIBCXX_3.4.32 strong");
        Assert.StartsWith("2.10.", TorchSharp.torch.__version__, StringComparison.Ordinal);
    }
}
