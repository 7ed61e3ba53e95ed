using MgeConvert.Formats.Mge;
using MgeConvert.Ir.Ops;
using MgeConvert.Tests.Support;

namespace MgeConvert.Tests.Mge;

public class MgeReaderOptionsTests
{
    [Theory]
    [InlineData("Host2DeviceCopy", true, 2436615116837392937UL)]
    [InlineData("Host2DeviceCopy", false, 11501548436123901713UL)]
    [InlineData("Convolution", true, 13553933750987029374UL)]
    [InlineData("Elemwise", true, 16984089995691734746UL)]
    [InlineData("TypeCvt", false, 3667709622108589241UL)]
    public void TypeIdsAreXxHash64OfTheRegistrationName(string name, bool withNul, ulong expected) =>
        Assert.Equal(expected, MgeOperatorTypes.Hash(name, withNul));

    [Theory]
    [InlineData(16815269931273165784UL, "Reduce")]
    [InlineData(398888935463796127UL, "ConvolutionForward")]
    [InlineData(14020002824874596106UL, "ConvBiasForward")]
    [InlineData(6032777997293313103UL, "BatchNormForward")]
    [InlineData(17433518091429734055UL, "SoftmaxForward")]
    public void KnownIdsResolveToTheOperatorClass(ulong id, string cls) => Assert.Equal(cls, MgeOperatorTypes.FromId(id));

    [Fact]
    public void EndPointSelectsAnInternalVarByName()
    {
        var c = FixtureCorpus.Load("nets/multi_io_mgv2");
        var full = new MgeReader().Read(c.ModelPath, new ConversionOptions());
        var inner = full.Graph.Nodes.First(n => n.Op is Conv).Output.Name;

        var model = new MgeReader().Read(c.ModelPath, new ConversionOptions { EndPoints = [inner] });

        var output = Assert.Single(model.Graph.Outputs);
        Assert.Equal(inner, output.Name);
        Assert.Empty(MgeConvert.Ir.GraphValidator.Check(model.Graph));
    }

    [Fact]
    public void MissingEndPointIsReported()
    {
        var c = FixtureCorpus.Load("nets/multi_io_mgv2");
        var e = Assert.ThrowsAny<ModelFormatException>(() => new MgeReader().Read(c.ModelPath, new ConversionOptions { EndPoints = ["no_such_var"] }));
        Assert.Contains("Can not find no_such_var", e.Message);
    }

    [Fact]
    public void DetectsContainersFromTheFirstBytes()
    {
        var reader = new MgeReader();
        Assert.True(reader.CanRead(File.ReadAllBytes(FixtureCorpus.Load("nets/multi_io_mgv2").ModelPath).AsSpan(0, 64)));
        Assert.True(reader.CanRead(File.ReadAllBytes(FixtureCorpus.Load("nets/multi_io_mgbc").ModelPath).AsSpan(0, 64)));
        Assert.True(reader.CanRead(File.ReadAllBytes(FixtureCorpus.Load("legacy/convolution_backward_filter").ModelPath).AsSpan(0, 64)));
        Assert.False(reader.CanRead(File.ReadAllBytes(FixtureCorpus.Load("negative/pickle_state_dict").ModelPath).AsSpan(0, 64)));
    }

    [Fact]
    public void ConstantsSliceTheFileBufferInsteadOfCopying()
    {
        var bytes = File.ReadAllBytes(FixtureCorpus.Load("nets/resnet_tiny_mgv2").ModelPath);
        var model = new MgeReader().Read("resnet_tiny.mge", bytes, new ConversionOptions());
        var weight = model.Graph.Nodes.First(n => n.Op is Conv).Input(1).Constant!;

        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(weight.Bytes, out var segment));
        Assert.Same(bytes, segment.Array);
    }
}
