using System.Diagnostics;
using MgeConvert.Formats;
using MgeConvert.IO;
using MgeConvert.Ir;
using MgeConvert.Tests.Cli;

namespace MgeConvert.Tests.Robustness;

/// <summary>Interrupted conversions leave neither the output nor a temporary behind.</summary>
public sealed class InterruptedWriteTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>
    /// The CLI's SIGINT/SIGTERM handler calls AbandonPending while a large write is in flight; here only for this
    /// test's directory, since other tests in this process are writing at the same time.
    /// </summary>
    [Fact]
    public async Task SignalDuringALargeWriteLeavesNoFiles()
    {
        var input = FakeModel.Create(_dir.Path, ModelFormat.Mge);
        using var writing = new ManualResetEventSlim();
        using var resume = new ManualResetEventSlim();
        var writer = new GatedWriter(writing, resume);
        var converter = new Converter(new FormatRegistry([new FakeReader(ModelFormat.Mge)], [writer]));
        var output = _dir.File("big.onnx");

        var conversion = Task.Run(() => converter.Convert(ModelFormat.Mge, ModelFormat.Onnx, input, new ConversionOptions { Output = output }));
        Assert.True(writing.Wait(TimeSpan.FromSeconds(30)), "the writer never started");
        Assert.Contains(_dir.Files(), f => f.StartsWith(".big.onnx.", StringComparison.Ordinal) && f.EndsWith(".tmp", StringComparison.Ordinal));
        AtomicFile.AbandonPending(_dir.Path);
        resume.Set();

        await Assert.ThrowsAnyAsync<IOException>(() => conversion);
        Assert.Equal(["model.fake"], _dir.Files());
    }

    /// <summary>A SIGKILLed conversion cannot clean up; its temporary is removed by the next write of the same file.</summary>
    [Fact]
    public void TemporaryOfAKilledProcessIsRemovedByTheNextWrite()
    {
        using var child = Process.Start(new ProcessStartInfo("sleep", "60"))!;
        child.Kill();
        child.WaitForExit();
        var stale = _dir.File($".out.onnx.{child.Id}.{Guid.NewGuid():N}.tmp");
        File.WriteAllBytes(stale, new byte[1000]);
        var alive = _dir.File($".out.onnx.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        File.WriteAllBytes(alive, new byte[10]);

        AtomicFile.WriteAllBytes(_dir.File("out.onnx"), [1, 2, 3]);

        Assert.False(File.Exists(stale), "the dead process's temporary is still there");
        Assert.True(File.Exists(alive), "a running process's temporary must not be touched");
        Assert.Equal([1, 2, 3], File.ReadAllBytes(_dir.File("out.onnx")));
    }

    /// <summary>Writes 64 MB, pausing after the first chunk until the test lets it go on.</summary>
    private sealed class GatedWriter(ManualResetEventSlim writing, ManualResetEventSlim resume) : IModelWriter
    {
        public ModelFormat Format => ModelFormat.Onnx;

        public IReadOnlyList<OutputFile> Prepare(Graph graph, ConversionOptions options) =>
        [
            new(options.Output!, stream =>
            {
                var chunk = new byte[1 << 20];
                for (var i = 0; i < 64; i++)
                {
                    stream.Write(chunk);
                    if (i == 0)
                    {
                        stream.Flush();
                        writing.Set();
                        resume.Wait();
                    }
                }
            }),
        ];
    }
}
