using Google.FlatBuffers;

namespace MgeConvert.IO;

/// <summary>
/// A file's bytes with holes for its large payloads, typically a finished FlatBuffer whose byte vectors the builder
/// reserved but never wrote or even touched. Writing streams each payload from where it is (the source model's
/// memory, or computed one tensor at a time) into its hole, so the bytes produced are exactly those of a buffer that
/// held every payload, without it ever holding them (no second copy of a model's weights).
/// </summary>
internal sealed class HollowBuffer
{
    private readonly byte[] _buffer;
    private readonly int _start;
    private readonly List<(int Offset, Payload Data)> _payloads;

    private HollowBuffer(byte[] buffer, int start, List<(int Offset, Payload Data)> payloads)
    {
        _buffer = buffer;
        _start = start;
        _payloads = payloads;
    }

    /// <summary>The buffer's structure, good for reading everything but the payloads (their bytes are undefined here).</summary>
    public ArraySegment<byte> Frame => new(_buffer, _start, _buffer.Length - _start);

    public long Length => _buffer.Length - _start;

    /// <summary>
    /// <paramref name="buffer"/> (allocated uninitialized, so untouched pages cost nothing) with payloads at the given
    /// offsets; every other byte must have been written.
    /// </summary>
    public static HollowBuffer WithHoles(byte[] buffer, IEnumerable<(int Offset, Payload Data)> holes) =>
        new(buffer, 0, [.. holes.OrderBy(h => h.Offset)]);

    /// <summary>A builder for a buffer of up to <paramref name="capacity"/> bytes whose untouched pages cost no memory.</summary>
    public static FlatBufferBuilder NewBuilder(int capacity) => new(new ByteBuffer(GC.AllocateUninitializedArray<byte>(capacity)));

    /// <summary>
    /// Starts a byte vector of <paramref name="payload"/>'s length and leaves its bytes unwritten; returns the vector
    /// like EndVector. The hole's position is kept counted from the buffer's end, which stays put if the builder grows.
    /// </summary>
    public static VectorOffset Reserve(FlatBufferBuilder builder, Payload payload, int alignment, List<(int FromEnd, Payload Data)> holes)
    {
        builder.StartVector(1, payload.Length, alignment);
        Space(builder) -= payload.Length;
        holes.Add((builder.DataBuffer.Length - Space(builder), payload));
        return builder.EndVector();
    }

    /// <summary>The finished buffer of <paramref name="builder"/> with the holes <see cref="Reserve"/> made.</summary>
    public static HollowBuffer Finish(FlatBufferBuilder builder, IEnumerable<(int FromEnd, Payload Data)> holes)
    {
        var buffer = builder.DataBuffer.ToArraySegment(0, builder.DataBuffer.Length).Array!;
        return new HollowBuffer(buffer, builder.DataBuffer.Position,
            [.. holes.Select(h => (buffer.Length - h.FromEnd, h.Data)).OrderBy(h => h.Item1)]);
    }

    public void WriteTo(Stream stream)
    {
        var computed = _payloads.Where(p => p.Data.Stored is null).Select(p => p.Data.Length).DefaultIfEmpty().Max();
        var scratch = computed > 0 ? GC.AllocateUninitializedArray<byte>(computed) : [];
        var cursor = _start;
        foreach (var (offset, payload) in _payloads)
        {
            stream.Write(_buffer, cursor, offset - cursor);
            if (payload.Stored is { } stored)
            {
                stream.Write(stored.Span);
            }
            else
            {
                payload.CopyTo(scratch);
                stream.Write(scratch, 0, payload.Length);
            }

            cursor = offset + payload.Length;
        }

        stream.Write(_buffer, cursor, _buffer.Length - cursor);
    }

    public byte[] ToArray()
    {
        var bytes = new byte[Length];
        _buffer.AsSpan(_start).CopyTo(bytes);
        foreach (var (offset, payload) in _payloads)
        {
            payload.CopyTo(bytes.AsSpan(offset - _start, payload.Length));
        }

        return bytes;
    }

    /// <summary>
    /// The builder's write position (it grows downwards). The public API can only fill the space it reserves; moving
    /// the position is how a vector's bytes are reserved without writing them.
    /// </summary>
    [System.Runtime.CompilerServices.UnsafeAccessor(System.Runtime.CompilerServices.UnsafeAccessorKind.Field, Name = "_space")]
    private static extern ref int Space(FlatBufferBuilder builder);

    /// <summary>A payload's bytes: stored somewhere already, or produced on demand into a buffer of its length.</summary>
    public abstract class Payload
    {
        public abstract int Length { get; }

        /// <summary>The bytes as they are, when they need no computing.</summary>
        public virtual ReadOnlyMemory<byte>? Stored => null;

        public abstract void CopyTo(Span<byte> target);

        public static Payload Of(ReadOnlyMemory<byte> bytes) => new StoredPayload(bytes);

        private sealed class StoredPayload(ReadOnlyMemory<byte> bytes) : Payload
        {
            public override int Length => bytes.Length;

            public override ReadOnlyMemory<byte>? Stored => bytes;

            public override void CopyTo(Span<byte> target) => bytes.Span.CopyTo(target);
        }
    }
}
