using MgeConvert.Tests.Cli;
using MgeConvert.Tests.Support;

namespace MgeConvert.Tests.TracedModule;

public class TracedModuleInspectTests
{
    [Fact]
    public void InspectPrintsModuleTreeAndGraph()
    {
        var model = FixtureCorpus.Load("nets/resnet_tiny_tm").ModelPath;

        var run = CliRun.InProcess(new Converter(), "inspect", "--graph", model);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("module tree: megengine.traced_module.traced_module.TracedModule", run.Out, StringComparison.Ordinal);
        Assert.Contains("      conv1: megengine.module.conv.Conv2d", run.Out, StringComparison.Ordinal);
        Assert.Contains("graph graph(%x: f32[1,3,32,32])", run.Out, StringComparison.Ordinal);
        Assert.Contains("= Conv[", run.Out, StringComparison.Ordinal);
    }
}
