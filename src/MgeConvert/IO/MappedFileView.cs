using System.Buffers;

namespace MgeConvert.IO;

/// <summary>
/// A read-only memory map of an open file as <see cref="Memory{T}"/>: reading it pages in only the bytes that are
/// looked at. Every slice handed out is invalid once the view is disposed.
/// </summary>
internal sealed unsafe class MappedFileView : MemoryManager<byte>
{
    private readonly FileMapping _mapping;
    private readonly int _length;

    private MappedFileView(FileMapping mapping, int length)
    {
        _mapping = mapping;
        _length = length;
    }

    /// <summary>Maps the first <paramref name="length"/> bytes of <paramref name="file"/> (opened for reading; left open).</summary>
    public static MappedFileView Open(FileStream file, int length) => new(FileMapping.Open(file, length), length);

    public override Span<byte> GetSpan() => new(_mapping.Start, _length);

    public override MemoryHandle Pin(int elementIndex = 0)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)elementIndex, (uint)_length, nameof(elementIndex));
        return new MemoryHandle(_mapping.Start + elementIndex);
    }

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _mapping.Dispose();
        }
    }
}
