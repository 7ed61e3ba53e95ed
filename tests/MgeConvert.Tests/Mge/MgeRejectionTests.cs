using MgeConvert.Formats.Mge;
using MgeConvert.Tests.Support;
using Xunit.Abstractions;

namespace MgeConvert.Tests.Mge;

/// <summary>Files that are not readable graph dumps fail with one clear <see cref="ModelFormatException"/>.</summary>
public class MgeRejectionTests(ITestOutputHelper output)
{
    public static TheoryData<string> RejectCases => FixtureCorpus.Ids(c => c.Json.GetProperty("expect").GetString() == "reject");

    public static TheoryData<string> OnePerContainer => new()
    {
        "nets/resnet_tiny_mgv2",
        "nets/resnet_tiny_mgbc",
        "nets/resnet_tiny_mgbs_compat814",
        "legacy/convolution_backward_filter",
        "quant/qconv_int8_mgv2",
    };

    [Theory]
    [MemberData(nameof(RejectCases))]
    public void RejectsWhatMegEngineRejects(string id)
    {
        var c = FixtureCorpus.Load(id);
        var e = Assert.ThrowsAny<ModelFormatException>(() => new MgeReader().Read(c.ModelPath, new ConversionOptions()));
        output.WriteLine($"{id}: {e.Message}");
        Assert.Contains(c.ModelPath, e.Message);
    }

    [Fact]
    public void PickleNamedMgeIsExplained()
    {
        var e = Read([0x80, 0x04, 0x95, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0x7D, 0x94, 0x2E]);
        Assert.Contains("weights/state file (a Python pickle)", e.Message);
        Assert.Contains("not a graph dump", e.Message);
    }

    [Theory]
    [InlineData("mgb0001")]
    [InlineData("mgb0000a")]
    public void InternalFormatIsRefused(string magic)
    {
        var bytes = new byte[64];
        System.Text.Encoding.ASCII.GetBytes(magic).CopyTo(bytes, 0);
        Assert.Contains("internal", Read(bytes).Message);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void RandomBytesAreRefused(int seed)
    {
        var bytes = new byte[1000];
        new Random(seed).NextBytes(bytes);
        bytes[0] = 0x11;
        Assert.Contains("not a MegEngine graph dump", Read(bytes).Message);
    }

    [Theory]
    [MemberData(nameof(OnePerContainer))]
    public void TruncatedFilesReportAnOffset(string id)
    {
        var full = File.ReadAllBytes(FixtureCorpus.Load(id).ModelPath);
        int[] cuts = [0, 3, 8, 11, 12, 20, 24, 31, full.Length / 4, full.Length / 2, full.Length * 3 / 4, full.Length - 16, full.Length - 1];
        foreach (var cut in cuts)
        {
            var e = Read(full[..cut]);
            Assert.True(e.Offset is not null, $"{id} cut at {cut}: no byte offset in \"{e.Message}\"");
        }
    }

    [Theory]
    [MemberData(nameof(OnePerContainer))]
    public void CorruptedBytesNeverEscapeAsOtherExceptions(string id)
    {
        var full = File.ReadAllBytes(FixtureCorpus.Load(id).ModelPath);
        var random = new Random(42);
        var rejected = 0;
        for (var round = 0; round < 200; round++)
        {
            var bytes = (byte[])full.Clone();
            for (var k = 0; k < 4; k++)
            {
                bytes[random.Next(16, bytes.Length)] = (byte)random.Next(256);
            }

            try
            {
                new MgeReader().Read("corrupt.mge", bytes, new ConversionOptions());
            }
            catch (ModelFormatException)
            {
                rejected++;
            }
        }

        output.WriteLine($"{id}: {rejected}/200 corrupted copies rejected, the rest still read");
    }

    private static ModelFormatException Read(byte[] bytes) =>
        Assert.ThrowsAny<ModelFormatException>(() => new MgeReader().Read("model.mge", bytes, new ConversionOptions()));
}
