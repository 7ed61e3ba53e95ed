using System.Buffers;
using System.Runtime.InteropServices;

namespace MgeConvert.IO;

/// <summary>
/// A read-only memory map of a whole file, presented as a sequence of fixed-size windows for a reader that moves
/// forward (a protobuf parser). When the reader asks for a window, the windows before the previous one leave the
/// process's resident set (Linux, macOS); the data stays in the page cache, so touching them again is still correct.
/// The file's bytes therefore never all count against the process while the parsed copy grows. Nothing handed out
/// is valid once this is disposed.
/// </summary>
internal sealed unsafe partial class MappedFileWindows : IDisposable
{
    private const int WindowSize = 4 << 20;
    private const int DontNeed = 4;

    /// <summary>Cleared for good when the C library cannot be called.</summary>
    private static bool s_canAdvise = OperatingSystem.IsLinux() || OperatingSystem.IsMacOS();

    private readonly FileMapping _mapping;
    private int _released;

    private MappedFileWindows(FileMapping mapping)
    {
        _mapping = mapping;
        Sequence = Windows();
    }

    /// <summary>The file's bytes.</summary>
    public ReadOnlySequence<byte> Sequence { get; }

    /// <summary>Maps <paramref name="file"/> (opened for reading, not empty; left open).</summary>
    public static MappedFileWindows Open(FileStream file) => new(FileMapping.Open(file, file.Length));

    public void Dispose() => _mapping.Dispose();

    private ReadOnlySequence<byte> Windows()
    {
        Segment? first = null, last = null;
        var length = _mapping.Length;
        for (long offset = 0, index = 0; offset < length; offset += WindowSize, index++)
        {
            var window = new Window(this, (int)index, _mapping.Start + offset, (int)Math.Min(WindowSize, length - offset));
            var segment = new Segment(window.Whole, offset);
            last?.Append(segment);
            first ??= segment;
            last = segment;
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    /// <summary>The reader is at window <paramref name="index"/>: every window before the previous one may go.</summary>
    private void Reached(int index)
    {
        if (!s_canAdvise)
        {
            return;
        }

        try
        {
            for (; _released < index - 1; _released++)
            {
                // Advice only: a failure leaves the pages resident, which costs memory, not correctness.
                _ = Advise((nint)(_mapping.Start + ((long)_released * WindowSize)), WindowSize, DontNeed);
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            s_canAdvise = false;
        }
    }

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Advise(nint address, nuint length, int advice);

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public void Append(Segment next) => Next = next;
    }

    private sealed class Window(MappedFileWindows owner, int index, byte* start, int length) : MemoryManager<byte>
    {
        /// <summary>The window as memory; unlike <see cref="MemoryManager{T}.Memory"/>, without asking for the span.</summary>
        public Memory<byte> Whole => CreateMemory(length);

        public override Span<byte> GetSpan()
        {
            owner.Reached(index);
            return new Span<byte>(start, length);
        }

        public override MemoryHandle Pin(int elementIndex = 0)
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)elementIndex, (uint)length, nameof(elementIndex));
            return new MemoryHandle(start + elementIndex);
        }

        public override void Unpin()
        {
        }

        protected override void Dispose(bool disposing)
        {
        }
    }
}
