namespace MgeConvert.Formats.TFLite;

/// <summary>
/// A TFLite model as the flatbuffer builder left it, except that large constant payloads are holes: the builder
/// reserved their place but never touched it. Writing the model streams each payload from where it is (the source
/// model's memory, or computed one tensor at a time) into its hole, so the bytes produced are exactly those of a
/// builder that held every payload, without the builder ever holding them.
/// </summary>
internal sealed class SerializedModel
{
    private readonly byte[] _buffer;
    private readonly int _start;
    private readonly List<Payload> _payloads;

    public SerializedModel(byte[] buffer, int start, IEnumerable<Payload> payloads)
    {
        _buffer = buffer;
        _start = start;
        _payloads = [.. payloads.OrderBy(p => p.Offset)];
    }

    /// <summary>The model's structure, good for reading everything but the payloads (their bytes are undefined here).</summary>
    public ArraySegment<byte> Frame => new(_buffer, _start, _buffer.Length - _start);

    public long Length => _buffer.Length - _start;

    public void WriteTo(Stream stream)
    {
        var computed = _payloads.Where(p => p.Data.Stored is null).Select(p => p.Data.Length).DefaultIfEmpty().Max();
        var scratch = computed > 0 ? GC.AllocateUninitializedArray<byte>(computed) : [];
        var cursor = _start;
        foreach (var payload in _payloads)
        {
            stream.Write(_buffer, cursor, payload.Offset - cursor);
            if (payload.Data.Stored is { } stored)
            {
                stream.Write(stored.Span);
            }
            else
            {
                payload.Data.CopyTo(scratch);
                stream.Write(scratch, 0, payload.Data.Length);
            }

            cursor = payload.Offset + payload.Data.Length;
        }

        stream.Write(_buffer, cursor, _buffer.Length - cursor);
    }

    public byte[] ToArray()
    {
        var bytes = new byte[Length];
        _buffer.AsSpan(_start).CopyTo(bytes);
        foreach (var payload in _payloads)
        {
            payload.Data.CopyTo(bytes.AsSpan(payload.Offset - _start, payload.Data.Length));
        }

        return bytes;
    }

    /// <param name="Offset">Where the payload starts in the builder's buffer.</param>
    /// <param name="Data">The payload's bytes, produced when written.</param>
    internal readonly record struct Payload(int Offset, ConstantBytes Data);
}
