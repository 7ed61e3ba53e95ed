using System.Buffers.Binary;

namespace MgeConvert.Formats.Mge;

/// <summary>
/// Bounds checks for one FlatBuffer inside a file, done before any generated accessor touches it, so a
/// truncated or corrupt file fails with the file offset of the first bad table, vector or string.
/// Positions are absolute file offsets; the buffer spans [<see cref="Start"/>, <see cref="End"/>).
/// </summary>
internal sealed class FlatBufferChecker(string file, byte[] bytes, int start, int end)
{
    private const int MaxTables = 4_000_000;
    private int _tables;

    public int Start { get; } = start;

    public int End { get; } = end;

    /// <summary>The root table: the uoffset at <see cref="Start"/>.</summary>
    public CheckedTable Root(string what) => Table(Start + ReadOffsetTarget(Start, what), what);

    public CheckedTable Table(int pos, string what)
    {
        if (++_tables > MaxTables)
        {
            throw Fail(pos, $"more than {MaxTables} tables (corrupt {what})");
        }

        Require(pos, 4, what);
        if (pos % 4 != 0)
        {
            throw Fail(pos, $"{what} table is not 4-byte aligned");
        }

        var vtable = (long)pos - BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(pos));
        if (vtable < Start || vtable + 4 > End)
        {
            throw Fail(pos, $"{what} table points to a vtable outside the buffer");
        }

        var vt = (int)vtable;
        int vtSize = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(vt));
        int tableSize = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(vt + 2));
        if (vtSize < 4 || vtSize % 2 != 0 || vt + vtSize > End)
        {
            throw Fail(vt, $"{what} vtable has an invalid size {vtSize}");
        }

        if (tableSize < 4 || (long)pos + tableSize > End)
        {
            throw Fail(pos, $"{what} table of {tableSize} bytes runs past the end of the buffer at byte {End}");
        }

        for (var slot = vt + 4; slot < vt + vtSize; slot += 2)
        {
            var off = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(slot));
            if (off != 0 && (off < 4 || off >= tableSize))
            {
                throw Fail(pos, $"{what} field {(slot - vt - 4) / 2} lies outside its table");
            }
        }

        return new CheckedTable(this, pos, vt, vtSize, tableSize, what);
    }

    internal int FieldOffset(CheckedTable t, int id)
    {
        var slot = 4 + (2 * id);
        return slot + 2 > t.VtableSize ? 0 : BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(t.Vtable + slot));
    }

    internal void Scalar(CheckedTable t, int id, int size, string what)
    {
        var off = FieldOffset(t, id);
        if (off != 0 && off + size > t.TableSize)
        {
            throw Fail(t.Pos + off, $"{t.What}.{what} lies outside its table");
        }
    }

    /// <summary>Target of an offset field, or -1 when the field is absent.</summary>
    internal int Reference(CheckedTable t, int id, string what)
    {
        var off = FieldOffset(t, id);
        if (off == 0)
        {
            return -1;
        }

        Scalar(t, id, 4, what);
        var at = t.Pos + off;
        return at + ReadOffsetTarget(at, $"{t.What}.{what}");
    }

    /// <summary>Checks a vector of <paramref name="elementSize"/>-byte elements; returns (data position, count) or (-1, 0).</summary>
    internal (int Data, int Count) Vector(CheckedTable t, int id, int elementSize, string what, bool isString = false)
    {
        var pos = Reference(t, id, what);
        return pos < 0 ? (-1, 0) : VectorAt(pos, elementSize, $"{t.What}.{what}", isString);
    }

    internal (int Data, int Count) VectorAt(int pos, int elementSize, string what, bool isString = false)
    {
        Require(pos, 4, what);
        var count = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(pos));
        var length = ((long)count * elementSize) + (isString ? 1 : 0);
        if (pos + 4 + length > End)
        {
            throw Fail(pos, $"{what} ({count} elements) runs past the end of the buffer at byte {End}");
        }

        return (pos + 4, (int)count);
    }

    internal void String(CheckedTable t, int id, string what) => Vector(t, id, 1, what, isString: true);

    /// <summary>Checks a vector of tables and each element with <paramref name="check"/>.</summary>
    internal void Tables(CheckedTable t, int id, string what, Action<CheckedTable> check)
    {
        var (data, count) = Vector(t, id, 4, what);
        for (var i = 0; i < count; i++)
        {
            var slot = data + (4 * i);
            check(Table(slot + ReadOffsetTarget(slot, $"{t.What}.{what}[{i}]"), $"{what}[{i}]"));
        }
    }

    /// <summary>Checks a vector of strings.</summary>
    internal void Strings(CheckedTable t, int id, string what)
    {
        var (data, count) = Vector(t, id, 4, what);
        for (var i = 0; i < count; i++)
        {
            var slot = data + (4 * i);
            VectorAt(slot + ReadOffsetTarget(slot, what), 1, $"{what}[{i}]", isString: true);
        }
    }

    /// <summary>A sub-table field; null when absent.</summary>
    internal CheckedTable? SubTable(CheckedTable t, int id, string what)
    {
        var pos = Reference(t, id, what);
        return pos < 0 ? null : Table(pos, what);
    }

    /// <summary>The union tag at <paramref name="tagId"/> and the member table at tagId+1 (null when NONE).</summary>
    internal (byte Tag, CheckedTable? Table) Union(CheckedTable t, int tagId, string what)
    {
        Scalar(t, tagId, 1, what + "_type");
        var off = FieldOffset(t, tagId);
        var tag = off == 0 ? (byte)0 : bytes[t.Pos + off];
        var member = SubTable(t, tagId + 1, what);
        if (tag != 0 && member is null)
        {
            throw Fail(t.Pos, $"{t.What}.{what} has type {tag} but no table");
        }

        return (tag, tag == 0 ? null : member);
    }

    /// <summary>A vector of unions (tag vector at tagId, offsets at tagId+1); calls <paramref name="check"/> per element.</summary>
    internal void Unions(CheckedTable t, int tagId, string what, Action<byte, CheckedTable> check)
    {
        var (tags, tagCount) = Vector(t, tagId, 1, what + "_type");
        var (data, count) = Vector(t, tagId + 1, 4, what);
        if (tagCount != count)
        {
            throw Fail(t.Pos, $"{t.What}.{what} has {count} members but {tagCount} types");
        }

        for (var i = 0; i < count; i++)
        {
            var slot = data + (4 * i);
            var tag = bytes[tags + i];
            if (tag != 0)
            {
                check(tag, Table(slot + ReadOffsetTarget(slot, $"{what}[{i}]"), $"{what}[{i}]"));
            }
        }
    }

    public ModelFormatException Fail(long offset, string message) =>
        new(file, $"corrupt or truncated graph dump: {message}", offset);

    private int ReadOffsetTarget(int at, string what)
    {
        Require(at, 4, what);
        var rel = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at));
        if (rel == 0 || at + (long)rel >= End)
        {
            throw Fail(at, $"{what} points outside the buffer (offset {rel}, buffer ends at byte {End})");
        }

        return (int)rel;
    }

    private void Require(long pos, int size, string what)
    {
        if (pos < Start || pos + size > End)
        {
            throw Fail(pos, $"{what} lies outside the buffer [{Start}, {End})");
        }
    }
}

/// <summary>A table that passed <see cref="FlatBufferChecker.Table"/>.</summary>
internal readonly record struct CheckedTable(FlatBufferChecker Checker, int Pos, int Vtable, int VtableSize, int TableSize, string What)
{
    public CheckedTable Scalar(int id, int size, string what)
    {
        Checker.Scalar(this, id, size, what);
        return this;
    }

    public CheckedTable String(int id, string what)
    {
        Checker.String(this, id, what);
        return this;
    }

    public CheckedTable Vector(int id, int elementSize, string what)
    {
        Checker.Vector(this, id, elementSize, what);
        return this;
    }
}
