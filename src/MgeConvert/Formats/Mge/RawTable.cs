using Google.FlatBuffers;

namespace MgeConvert.Formats.Mge;

/// <summary>A union member whose table type is decided later (by the union tag).</summary>
internal struct RawTable : IFlatbufferObject
{
    public ByteBuffer ByteBuffer { get; private set; }

    public int Position { get; private set; }

    public void __init(int _i, ByteBuffer _bb)
    {
        Position = _i;
        ByteBuffer = _bb;
    }
}
