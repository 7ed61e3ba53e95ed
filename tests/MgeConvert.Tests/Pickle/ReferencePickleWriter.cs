using System.Buffers.Binary;
using System.Numerics;
using System.Text;
using MgeConvert.Formats.Pickle;

namespace MgeConvert.Tests.Pickle;

/// <summary>
/// A deliberately simple pickle writer for tests, independent of the library's writer: no memo, MARK-based
/// containers, the whole body in one FRAME for protocol 4+, and CPython's protocol-2 encodings of bytes and sets.
/// </summary>
internal static class ReferencePickleWriter
{
    public static byte[] Write(object? value, int protocol)
    {
        var body = new MemoryStream();
        Emit(body, value, protocol);
        body.WriteByte((byte)'.');
        var output = new MemoryStream();
        output.WriteByte(0x80);
        output.WriteByte((byte)protocol);
        if (protocol >= 4)
        {
            output.WriteByte(0x95);
            var len = new byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)body.Length);
            output.Write(len);
        }

        body.WriteTo(output);
        return output.ToArray();
    }

    private static void Emit(MemoryStream s, object? value, int protocol)
    {
        switch (value)
        {
            case null:
                s.WriteByte((byte)'N');
                break;
            case bool b:
                s.WriteByte(b ? (byte)0x88 : (byte)0x89);
                break;
            case long l when l is >= int.MinValue and <= int.MaxValue:
                s.WriteByte((byte)'J');
                Int32(s, (int)l);
                break;
            case long l:
                Long(s, l);
                break;
            case BigInteger bi:
                Long(s, bi);
                break;
            case double d:
                s.WriteByte((byte)'G');
                var f = new byte[8];
                BinaryPrimitives.WriteDoubleBigEndian(f, d);
                s.Write(f);
                break;
            case string str:
                var utf8 = Encoding.UTF8.GetBytes(str);
                if (protocol >= 4 && utf8.Length > 100)
                {
                    s.WriteByte(0x8d);
                    Int64(s, utf8.Length);
                }
                else
                {
                    s.WriteByte((byte)'X');
                    Int32(s, utf8.Length);
                }

                s.Write(utf8);
                break;
            case byte[] bytes when protocol < 3:
                Global(s, "_codecs", "encode");
                s.WriteByte((byte)'(');
                Emit(s, Encoding.Latin1.GetString(bytes), protocol);
                Emit(s, "latin1", protocol);
                s.WriteByte((byte)'t');
                s.WriteByte((byte)'R');
                break;
            case byte[] bytes:
                if (protocol >= 4 && bytes.Length > 50)
                {
                    s.WriteByte(0x8e);
                    Int64(s, bytes.Length);
                }
                else
                {
                    s.WriteByte((byte)'B');
                    Int32(s, bytes.Length);
                }

                s.Write(bytes);
                break;
            case PyTuple t:
                s.WriteByte((byte)'(');
                foreach (var item in t)
                {
                    Emit(s, item, protocol);
                }

                s.WriteByte((byte)'t');
                break;
            case PyList list:
                s.WriteByte((byte)'(');
                foreach (var item in list)
                {
                    Emit(s, item, protocol);
                }

                s.WriteByte((byte)'l');
                break;
            case PyDict dict:
                s.WriteByte((byte)'(');
                foreach (var (k, v) in dict)
                {
                    Emit(s, k, protocol);
                    Emit(s, v, protocol);
                }

                s.WriteByte((byte)'d');
                break;
            case PySet set when protocol < 4:
                Global(s, "__builtin__", set.IsFrozen ? "frozenset" : "set");
                s.WriteByte((byte)'(');
                Emit(s, new PyList(set), protocol);
                s.WriteByte((byte)'t');
                s.WriteByte((byte)'R');
                break;
            case PySet set:
                s.WriteByte(set.IsFrozen ? (byte)'(' : (byte)0x8f);
                if (!set.IsFrozen)
                {
                    s.WriteByte((byte)'(');
                }

                foreach (var item in set)
                {
                    Emit(s, item, protocol);
                }

                s.WriteByte(set.IsFrozen ? (byte)0x91 : (byte)0x90);
                break;
            default:
                throw new ArgumentException($"reference writer cannot write {value.GetType().Name}");
        }
    }

    private static void Global(MemoryStream s, string module, string name)
    {
        s.WriteByte((byte)'c');
        s.Write(Encoding.ASCII.GetBytes(module + "\n" + name + "\n"));
    }

    private static void Long(MemoryStream s, BigInteger v)
    {
        var bytes = v.ToByteArray();
        s.WriteByte(0x8b);
        Int32(s, bytes.Length);
        s.Write(bytes);
    }

    private static void Int32(MemoryStream s, int v)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(b, v);
        s.Write(b);
    }

    private static void Int64(MemoryStream s, long v)
    {
        var b = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(b, v);
        s.Write(b);
    }
}
