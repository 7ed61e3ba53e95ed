using System.IO.MemoryMappedFiles;

namespace MgeConvert.IO;

/// <summary>A read-only memory map of the first bytes of an open file: where they start; unmapped on dispose.</summary>
internal sealed unsafe class FileMapping : IDisposable
{
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;

    private FileMapping(MemoryMappedFile map, MemoryMappedViewAccessor view, long length)
    {
        _map = map;
        _view = view;
        Length = length;
        byte* pointer = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        Start = pointer + view.PointerOffset;
    }

    public byte* Start { get; }

    public long Length { get; }

    /// <summary>Maps the first <paramref name="length"/> bytes of <paramref name="file"/> (opened for reading; left open).</summary>
    public static FileMapping Open(FileStream file, long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        var map = MemoryMappedFile.CreateFromFile(file, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: true);
        try
        {
            return new FileMapping(map, map.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read), length);
        }
        catch
        {
            map.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
    }
}
