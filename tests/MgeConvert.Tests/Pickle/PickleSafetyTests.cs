using System.Diagnostics;
using System.Text;
using MgeConvert.Formats.Pickle;
using MgeConvert.Formats.TracedModule;
using MgeConvert.Tests.Support;

namespace MgeConvert.Tests.Pickle;

public sealed class PickleSafetyTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mgeconvert-pickle-").FullName;

    private string Marker => Path.Combine(_dir, "pwned");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string, string, int> Exploits => new()
    {
        { "os", "system", 2 },
        { "os", "system", 4 },
        { "builtins", "eval", 3 },
        { "builtins", "eval", 5 },
        { "subprocess", "Popen", 4 },
        { "posix", "system", 2 },
        { "nt", "system", 4 },
        { "builtins", "exec", 4 },
    };

    [Theory]
    [MemberData(nameof(Exploits))]
    public void MaliciousReduceBecomesAnInertPlaceholder(string module, string name, int protocol)
    {
        object? argument = name switch
        {
            "Popen" => new PyList(["/bin/sh", "-c", $"touch {Marker}"]),
            "eval" or "exec" => $"__import__('os').system('touch {Marker}')",
            _ => $"touch {Marker}",
        };
        var bytes = Exploit(module, name, argument, protocol);

        var value = PickleReader.Load(bytes, "evil.pkl");

        var placeholder = Assert.IsType<PyObject>(value);
        Assert.Equal(new PyGlobal(module, name), placeholder.Class);
        Assert.Equal(PyConstruction.Reduce, placeholder.Construction);
        Assert.True(PyValues.DeepEquals(argument, placeholder.Args[0]));
        Thread.Sleep(50);
        Assert.False(File.Exists(Marker), "the pickle's payload ran");
    }

    [Fact]
    public void MaliciousPickleGivenAsTracedModuleIsRejectedWithoutRunningIt()
    {
        var path = Path.Combine(_dir, "evil.tm");
        File.WriteAllBytes(path, Exploit("os", "system", $"touch {Marker}", 4));
        var e = Assert.Throws<ModelFormatException>(() => new TracedModuleReader().Read(path, new ConversionOptions()));
        Assert.Contains("os.system", e.Message, StringComparison.Ordinal);
        Assert.Contains("TracedModule", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Marker));
    }

    [Fact]
    public void ExploitHiddenInsideBuildStateAndNewObjStaysInert()
    {
        // NEWOBJ of a harmless-looking class whose BUILD state holds an os.system REDUCE.
        var inner = Exploit("os", "system", $"touch {Marker}", 4);
        var stream = new MemoryStream();
        stream.Write([0x80, 4]);
        StackGlobal(stream, "collections", "UserDict");
        stream.WriteByte((byte)')');
        stream.WriteByte(0x81);
        stream.WriteByte((byte)'}');
        ShortUnicode(stream, "payload");
        stream.Write(inner.AsSpan(2, inner.Length - 3));
        stream.WriteByte((byte)'s');
        stream.WriteByte((byte)'b');
        stream.WriteByte((byte)'.');
        var obj = Assert.IsType<PyObject>(PickleReader.Load(stream.ToArray()));
        Assert.Equal("collections.UserDict", obj.ClassName);
        Assert.Equal("os.system", Assert.IsType<PyObject>(obj.Attr("payload")).ClassName);
        Assert.False(File.Exists(Marker));
    }

    [Fact]
    public void TruncatedFixtureFailsAtEveryCutWithAnOffset()
    {
        var path = FixtureCorpus.Load("ops_tm/active_relu").ModelPath;
        var bytes = File.ReadAllBytes(path);
        var watch = Stopwatch.StartNew();
        for (var length = 0; length < bytes.Length; length++)
        {
            var e = Assert.ThrowsAny<ModelFormatException>(() => PickleReader.Load(bytes.AsMemory(0, length), "cut.tm"));
            Assert.Contains("cut.tm", e.Message, StringComparison.Ordinal);
            Assert.True(length == 0 || e.Offset is not null, $"no offset at length {length}: {e.Message}");
        }

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"took {watch.Elapsed}");
    }

    [Fact]
    public void TruncatedTracedModuleFileIsOneClearError()
    {
        var bytes = File.ReadAllBytes(FixtureCorpus.Load("nets/resnet_tiny_tm").ModelPath);
        var path = Path.Combine(_dir, "half.tm");
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<ModelFormatException>(() => new TracedModuleReader().Read(path, new ConversionOptions()));
        Assert.Contains("truncated", e.Message, StringComparison.Ordinal);
        Assert.NotNull(e.Offset);
    }

    public static TheoryData<string, string, string> Hostile => new()
    {
        { "deep MARKs", "8004" + Repeat("28", 200_000) + "4e2e", "MARK" },
        { "deep tuples", "8004" + "4e" + Repeat("85", 200_000) + "2e", "nested deeper" },
        { "deep lists via memo", "8004" + "5d94" + DeepListsViaMemo(5000) + "2e", "nested deeper" },
        { "huge BINBYTES8", "80048e" + "0000000000000040" + "2e", "claimed" },
        { "huge BINUNICODE", "800458" + "ffffffff" + "41" + "2e", "claimed" },
        { "huge FRAME", "800495" + "ffffffffffffff7f" + "4e2e", "FRAME" },
        { "huge LONG4", "80048b" + "ffffff7f" + "00" + "2e", "claimed" },
        { "bytearray(2**40)", "8004" + "8c086275696c74696e73" + "8c09627974656172726179" + "93" + "8a0600000000000185" + "52" + "2e", "allocation" },
        { "ndarray claiming 2**40 elements", ReconstructHex("8a0600000000000185", "43" + "04" + "00000000"), "needs" },
        { "memo read before write", "8004" + "6805" + "2e", "memo" },
        { "unhashable dict key", "8004" + "7d" + "5d" + "4b01" + "73" + "2e", "unhashable" },
        { "unknown opcode", "8004" + "ff" + "2e", "unknown opcode" },
        { "protocol 6", "8006" + "4e2e", "protocol" },
        { "out-of-band buffer", "8005" + "97" + "2e", "out-of-band" },
        { "stack underflow", "8004" + "52" + "2e", "underflow" },
        { "no STOP", "8004" + "4e", "truncated" },
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public void HostilePicklesFailFastWithOneClearError(string what, string hex, string expected)
    {
        var bytes = Convert.FromHexString(hex);
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();
        var e = Assert.ThrowsAny<ModelFormatException>(() => PickleReader.Load(bytes, "hostile.pkl"));
        watch.Stop();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        Assert.Contains(expected, e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.NotNull(e.Offset);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"{what}: took {watch.Elapsed}");
        Assert.True(allocated < (64L << 20) + (bytes.Length * 64L), $"{what}: allocated {allocated} bytes");
    }

    [Fact]
    public void CyclicObjectGraphsAreReadAndComparedInBoundedTime()
    {
        // CPython protocol 4 of: l = []; l.append(l); d = {}; d['self'] = d; d['l'] = l
        var bytes = Convert.FromHexString("80049517000000000000007d94288c0473656c669468008c016c945d94680361752e");
        var dict = Assert.IsType<PyDict>(PickleReader.Load(bytes));
        Assert.Same(dict, dict["self"]);
        var list = Assert.IsType<PyList>(dict["l"]);
        Assert.Same(list, list[0]);
        Assert.True(PyValues.DeepEquals(dict, PickleReader.Load(bytes)));
        Assert.Contains("...", PyValues.Repr(dict), StringComparison.Ordinal);
        var again = PickleReader.Load(PickleWriter.Serialize(dict, 4));
        Assert.True(PyValues.DeepEquals(dict, again));
    }

    [Fact]
    public void SharedTupleDagKeysHashInLinearTime()
    {
        // t0 = (1,); t(i+1) = (ti, ti): 2**60 leaves if walked naively; t60 is used as a dict key.
        var sb = new StringBuilder("8004" + "7d" + "4b01" + "85" + "94" + "30");
        for (var i = 0; i < 60; i++)
        {
            sb.Append("6a").Append(Le32(i)).Append("6a").Append(Le32(i)).Append("86").Append("94").Append("30");
        }

        sb.Append("6a").Append(Le32(60)).Append("4e").Append("73").Append("2e");
        var watch = Stopwatch.StartNew();
        var dict = Assert.IsType<PyDict>(PickleReader.Load(Convert.FromHexString(sb.ToString())));
        var key = Assert.IsType<PyTuple>(Assert.Single(dict.Keys));
        Assert.Equal(61, key.Depth);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
    }

    private static string Le32(int v) => Convert.ToHexString(BitConverter.GetBytes(v));

    private static string Repeat(string hex, int count) => string.Concat(Enumerable.Repeat(hex, count));

    private static string DeepListsViaMemo(int depth)
    {
        // Each step: EMPTY_LIST, BINGET previous (memo i), APPEND, MEMOIZE -> list nested one level deeper.
        var sb = new StringBuilder();
        for (var i = 0; i < depth; i++)
        {
            sb.Append("5d").Append("6a").Append(Le32(i)).Append("61").Append("94");
        }

        return sb.ToString();
    }

    private static string ReconstructHex(string shapeTupleHex, string dataHex)
    {
        var s = new StringBuilder("8004");
        s.Append("8c15").Append(Convert.ToHexString(Encoding.ASCII.GetBytes("numpy.core.multiarray")));
        s.Append("8c0c").Append(Convert.ToHexString(Encoding.ASCII.GetBytes("_reconstruct"))).Append("93");
        s.Append("8c05").Append(Convert.ToHexString(Encoding.ASCII.GetBytes("numpy")));
        s.Append("8c07").Append(Convert.ToHexString(Encoding.ASCII.GetBytes("ndarray"))).Append("93");
        s.Append("4b0085").Append("430162").Append("87").Append("52");
        s.Append("28").Append("4b01").Append(shapeTupleHex);
        s.Append("8c05").Append(Convert.ToHexString(Encoding.ASCII.GetBytes("numpy")));
        s.Append("8c05").Append(Convert.ToHexString(Encoding.ASCII.GetBytes("dtype"))).Append("93");
        s.Append("8c02").Append(Convert.ToHexString(Encoding.ASCII.GetBytes("f4"))).Append("89").Append("88").Append("87").Append("52");
        s.Append("89").Append(dataHex).Append("74").Append("62").Append("2e");
        return s.ToString();
    }

    private static byte[] Exploit(string module, string name, object? argument, int protocol)
    {
        var stream = new MemoryStream();
        stream.Write([0x80, (byte)protocol]);
        if (protocol >= 4)
        {
            StackGlobal(stream, module, name);
        }
        else
        {
            stream.WriteByte((byte)'c');
            stream.Write(Encoding.ASCII.GetBytes(module + "\n" + name + "\n"));
        }

        var args = PickleWriter.Serialize(new PyTuple([argument]), protocol);
        stream.Write(args.AsSpan(2, args.Length - 3));
        stream.WriteByte((byte)'R');
        stream.WriteByte((byte)'.');
        return stream.ToArray();
    }

    private static void StackGlobal(Stream s, string module, string name)
    {
        ShortUnicode(s, module);
        ShortUnicode(s, name);
        s.WriteByte(0x93);
    }

    private static void ShortUnicode(Stream s, string text)
    {
        var b = Encoding.UTF8.GetBytes(text);
        s.WriteByte(0x8c);
        s.WriteByte((byte)b.Length);
        s.Write(b);
    }
}
