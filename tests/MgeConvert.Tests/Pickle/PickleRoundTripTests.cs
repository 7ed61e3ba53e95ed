using System.Runtime.InteropServices;
using MgeConvert.Formats.Pickle;
using MgeConvert.Tests.Support;
using Xunit.Abstractions;

namespace MgeConvert.Tests.Pickle;

public sealed class PickleRoundTripTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void RandomValuesFromReferenceWriterReadBackEqual(int protocol)
    {
        var compared = 0;
        for (var seed = 0; seed < 300; seed++)
        {
            var value = new RandomPyValues((protocol * 1000) + seed).Value();
            var bytes = ReferencePickleWriter.Write(value, protocol);
            var read = PickleReader.Load(bytes, $"random{seed}.pkl");
            Assert.True(PyValues.DeepEquals(value, read), $"seed {seed}: wrote {PyValues.Repr(value)}, read {PyValues.Repr(read)}");
            compared++;
        }

        output.WriteLine($"protocol {protocol}: {compared} random values round-tripped");
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void RandomValuesFromLibraryWriterReadBackEqual(int protocol)
    {
        for (var seed = 0; seed < 300; seed++)
        {
            var value = new RandomPyValues((protocol * 7919) + seed).Value();
            var read = PickleReader.Load(PickleWriter.Serialize(value, protocol));
            Assert.True(PyValues.DeepEquals(value, read), $"seed {seed}: wrote {PyValues.Repr(value)}, read {PyValues.Repr(read)}");
        }
    }

    public static TheoryData<string> TmFiles => FixtureCorpus.Ids(c => c.Kind == "tm");

    [Theory]
    [MemberData(nameof(TmFiles))]
    public void TracedModuleFixturesSurviveLibraryWriterRoundTrip(string id)
    {
        var path = FixtureCorpus.Load(id).ModelPath;
        var original = PickleReader.Load(File.ReadAllBytes(path), path);
        foreach (var protocol in new[] { 2, 4, 5 })
        {
            var again = PickleReader.Load(PickleWriter.Serialize(original, protocol), "rewritten");
            Assert.True(PyValues.DeepEquals(original, again), $"protocol {protocol}: the re-read object graph differs");
        }
    }

    [Fact]
    public void SharedAndCyclicObjectsKeepTheirIdentity()
    {
        var list = new PyList();
        var obj = new PyObject(new PyGlobal("pkg.mod", "Node"), PyTuple.Empty, PyConstruction.New);
        var state = new PyDict();
        state.Set("self", obj);
        state.Set("items", list);
        obj.State = state;
        obj.HasState = true;
        list.Add(list);
        list.Add(obj);
        var read = (PyList)PickleReader.Load(PickleWriter.Serialize(list, 4))!;
        Assert.Same(read, read[0]);
        var node = Assert.IsType<PyObject>(read[1]);
        Assert.Same(node, node.Attr("self"));
        Assert.Same(read, node.Attr("items"));
    }

    [Fact]
    public void NumpyArraysInEveryLayoutDecodeToCOrderTensors()
    {
        var dtype = new NpDType("i2");
        var fortran = new NdArray(dtype, [2, 3], new byte[] { 1, 0, 4, 0, 2, 0, 5, 0, 3, 0, 6, 0 }, fortranOrder: true);
        var read = (NdArray)PickleReader.Load(PickleWriter.Serialize(fortran, 4))!;
        Assert.True(read.FortranOrder);
        Assert.Equal([1L, 2, 3, 4, 5, 6], read.ToTensor().ToInt64s());

        var bigEndian = PickleReader.Load(Convert.FromHexString(
            "8004" + "8c05" + "6e756d7079" + "94" + "8c05" + "6474797065" + "94" + "93" + "8c02" + "6934" + "89" + "88" + "87" + "52" + "94"
            + "28" + "4b03" + "8c01" + "3e" + "4e" + "4e" + "4e" + "4affffffff" + "4affffffff" + "4b00" + "74" + "62" + "2e"))!
            is NpDType be ? new NdArray(be, [2], new byte[] { 0, 0, 0, 7, 255, 255, 255, 254 }) : throw new InvalidOperationException();
        Assert.Equal([7L, -2], bigEndian.ToTensor().ToInt64s());
    }

    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void LargeBytesAndArrayDataAreViewsOfTheInputAndWriteBackIdentically(int protocol)
    {
        var payload = new byte[PyBytes.MinLength + 3];
        new Random(7).NextBytes(payload);
        var value = new PyTuple([payload, new byte[] { 1, 2 }, payload, new NdArray(new NpDType("u1"), [payload.Length], payload)]);
        var bytes = PickleWriter.Serialize(value, protocol);

        var read = (PyTuple)PickleReader.Load(bytes)!;

        var view = Assert.IsType<PyBytes>(read[0]);
        Assert.Same(view, read[2]);
        Assert.True(MemoryMarshal.TryGetArray(view.Data, out var viewSegment) && viewSegment.Array == bytes);
        Assert.IsType<byte[]>(read[1]);
        var array = Assert.IsType<NdArray>(read[3]);
        Assert.True(MemoryMarshal.TryGetArray(array.Data, out var arraySegment) && arraySegment.Array == bytes);
        Assert.True(PyValues.DeepEquals(value, read));
        Assert.True(new PyKeyComparer().Equals(payload, view));
        Assert.Equal(new PyKeyComparer().GetHashCode(payload), new PyKeyComparer().GetHashCode(view));
        Assert.Equal(bytes, PickleWriter.Serialize(read, protocol));
    }
}
