using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;

namespace MgeConvert.Tests.TorchScript;

/// <summary>
/// TorchSharp 0.107.0's libLibTorchSharp.so needs GLIBCXX_3.4.32 (GCC 13) for one symbol it never calls
/// (std::ios_base_library_init); Debian 12's libstdc++ stops at 3.4.30, so the loader refuses the library.
/// Before any TorchSharp call, this marks that version requirement VER_FLG_WEAK in the build-output copy,
/// which turns the loader's error into a tolerated missing version. The NuGet cache copy is never touched.
/// </summary>
internal static class LibTorchSharpPatch
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlgWeak = 2;
    private const string WeakVersion = "GLIBCXX_3.4.32";

    public static string LibraryPath => Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");

    [ModuleInitializer]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification = "must run before the test host loads TorchSharp's native library")]
    internal static void Apply()
    {
        if (OperatingSystem.IsLinux() && File.Exists(LibraryPath))
        {
            MarkWeak(LibraryPath, WeakVersion);
        }
    }

    /// <summary>Sets VER_FLG_WEAK on every version-need entry named <paramref name="version"/>; true when the file changed.</summary>
    public static bool MarkWeak(string path, string version)
    {
        var elf = File.ReadAllBytes(path);
        var offsets = WeakFlagOffsets(elf, version, path);
        var changed = false;
        Span<byte> patched = stackalloc byte[2];
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        foreach (var offset in offsets)
        {
            var flags = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(offset));
            if ((flags & VerFlgWeak) != 0)
            {
                continue;
            }

            BinaryPrimitives.WriteUInt16LittleEndian(patched, (ushort)(flags | VerFlgWeak));
            file.Position = offset;
            file.Write(patched);
            changed = true;
        }

        return changed;
    }

    /// <summary>File offsets of vna_flags of the Elf64_Vernaux entries named <paramref name="version"/> (ELF64 little-endian only).</summary>
    private static List<int> WeakFlagOffsets(byte[] elf, string version, string path)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F' || elf[4] != 2 || elf[5] != 1)
        {
            throw new InvalidDataException($"{path}: not a little-endian ELF64 file");
        }

        var span = elf.AsSpan();
        var sectionTable = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(span[0x28..]));
        var entrySize = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3a..]);
        var sectionCount = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3c..]);
        var found = new List<int>();
        for (var s = 0; s < sectionCount; s++)
        {
            var header = span[(sectionTable + (s * entrySize))..];
            if (BinaryPrimitives.ReadUInt32LittleEndian(header[4..]) != ShtGnuVerneed)
            {
                continue;
            }

            var start = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(header[24..]));
            var strings = StringTableOffset(span, sectionTable, entrySize, BinaryPrimitives.ReadInt32LittleEndian(header[40..]));
            var needCount = BinaryPrimitives.ReadUInt32LittleEndian(header[44..]);
            var need = start;
            for (var n = 0; n < needCount; n++)
            {
                var auxCount = BinaryPrimitives.ReadUInt16LittleEndian(span[(need + 2)..]);
                var aux = need + BinaryPrimitives.ReadInt32LittleEndian(span[(need + 8)..]);
                for (var a = 0; a < auxCount; a++)
                {
                    var name = CString(span, strings + BinaryPrimitives.ReadInt32LittleEndian(span[(aux + 8)..]));
                    if (name == version)
                    {
                        found.Add(aux + 4);
                    }

                    aux += BinaryPrimitives.ReadInt32LittleEndian(span[(aux + 12)..]);
                }

                need += BinaryPrimitives.ReadInt32LittleEndian(span[(need + 12)..]);
            }
        }

        return found;
    }

    private static int StringTableOffset(ReadOnlySpan<byte> elf, int sectionTable, int entrySize, int index) =>
        checked((int)BinaryPrimitives.ReadUInt64LittleEndian(elf[(sectionTable + (index * entrySize) + 24)..]));

    private static string CString(ReadOnlySpan<byte> elf, int offset)
    {
        var length = elf[offset..].IndexOf((byte)0);
        return Encoding.ASCII.GetString(elf.Slice(offset, length));
    }
}
