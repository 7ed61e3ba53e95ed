using System.Buffers.Binary;

namespace MgeConvert.Fuzz;

/// <summary>
/// Deterministic structure-aware byte mutations: generic (bit flips, interesting values, range edits,
/// truncation, splicing) plus tweaks aimed at FlatBuffers offsets, protobuf varints and pickle opcodes.
/// </summary>
public sealed class Mutator(Random random, IReadOnlyList<byte[]> seeds)
{
    private static readonly byte[] InterestingBytes = [0x00, 0x01, 0x7F, 0x80, 0xFF, 0x10, 0x40, 0x20];

    private static readonly uint[] InterestingWords =
    [
        0, 1, 2, 4, 8, 0x7F, 0x80, 0xFF, 0x100, 0xFFFF, 0x10000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0xFFFFFFFE, 0x40000000,
    ];

    // Opcodes that carry lengths, build objects or touch the memo: the interesting ones to swap in.
    private static readonly byte[] PickleOpcodes =
    [
        (byte)'(', (byte)')', (byte)'.', (byte)'0', (byte)'1', (byte)'2', (byte)'J', (byte)'K', (byte)'M', (byte)'N',
        (byte)'R', (byte)'X', (byte)'B', (byte)'C', (byte)'U', (byte)'T', (byte)']', (byte)'}', (byte)'a', (byte)'b',
        (byte)'c', (byte)'e', (byte)'h', (byte)'j', (byte)'l', (byte)'o', (byte)'p', (byte)'q', (byte)'r', (byte)'s',
        (byte)'t', (byte)'u', (byte)'d', (byte)'g', 0x80, 0x81, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8A, 0x8B, 0x8C, 0x8D,
        0x8E, 0x8F, 0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98,
    ];

    private static readonly HashSet<byte> PickleOpcodeSet = [.. PickleOpcodes];

    public byte[] Mutate(byte[] seed)
    {
        var data = new List<byte>(seed);
        var rounds = 1 + (random.Next(4) == 0 ? random.Next(8) : random.Next(2));
        for (var i = 0; i < rounds; i++)
        {
            MutateOnce(data);
        }

        return [.. data];
    }

    private void MutateOnce(List<byte> d)
    {
        if (d.Count == 0)
        {
            d.AddRange(seeds[random.Next(seeds.Count)].Take(64));
            return;
        }

        switch (random.Next(14))
        {
            case 0:
                d[random.Next(d.Count)] ^= (byte)(1 << random.Next(8));
                break;
            case 1:
                d[random.Next(d.Count)] = InterestingBytes[random.Next(InterestingBytes.Length)];
                break;
            case 2:
                d[random.Next(d.Count)] = (byte)random.Next(256);
                break;
            case 3:
                SetWord(d, random.Next(d.Count), InterestingWords[random.Next(InterestingWords.Length)]);
                break;
            case 4:
                NudgeAlignedWord(d);
                break;
            case 5:
                SetWord(d, random.Next(d.Count), (uint)(d.Count + random.Next(-16, 17)));
                break;
            case 6:
                RewriteVarint(d);
                break;
            case 7:
                SwapPickleOpcode(d);
                break;
            case 8:
                InsertRandom(d);
                break;
            case 9:
                DeleteRange(d);
                break;
            case 10:
                DuplicateRange(d);
                break;
            case 11:
                Truncate(d);
                break;
            case 12:
                Splice(d);
                break;
            default:
                CopyRangeWithin(d);
                break;
        }
    }

    private static void SetWord(List<byte> d, int at, uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        for (var i = 0; i < 4 && at + i < d.Count; i++)
        {
            d[at + i] = bytes[i];
        }
    }

    /// <summary>FlatBuffers offsets/vector lengths are 4-byte aligned little-endian words: shift one slightly.</summary>
    private void NudgeAlignedWord(List<byte> d)
    {
        if (d.Count < 4)
        {
            return;
        }

        var at = random.Next(d.Count / 4) * 4;
        var word = (uint)(d[at] | (d[at + 1] << 8) | (d[at + 2] << 16) | (d[at + 3] << 24));
        var delta = random.Next(4) == 0 ? random.Next(-4096, 4097) : random.Next(-8, 9) * 4;
        SetWord(d, at, unchecked(word + (uint)delta));
    }

    /// <summary>Replaces the varint at a position where one is plausible (after a protobuf tag byte) with another value.</summary>
    private void RewriteVarint(List<byte> d)
    {
        var at = random.Next(d.Count);
        var end = at;
        while (end < d.Count && end - at < 10 && (d[end] & 0x80) != 0)
        {
            end++;
        }

        end = Math.Min(end + 1, d.Count);
        ulong value = random.Next(6) switch
        {
            0 => 0,
            1 => (ulong)random.Next(1, 128),
            2 => (ulong)d.Count + (ulong)random.Next(64),
            3 => 0x7FFFFFFF,
            4 => ulong.MaxValue,
            _ => (ulong)random.NextInt64(),
        };

        var encoded = new List<byte>();
        do
        {
            var b = (byte)(value & 0x7F);
            value >>= 7;
            encoded.Add(value != 0 ? (byte)(b | 0x80) : b);
        }
        while (value != 0);

        d.RemoveRange(at, end - at);
        d.InsertRange(at, encoded);
    }

    private void SwapPickleOpcode(List<byte> d)
    {
        for (var attempt = 0; attempt < 32; attempt++)
        {
            var at = random.Next(d.Count);
            if (PickleOpcodeSet.Contains(d[at]))
            {
                d[at] = PickleOpcodes[random.Next(PickleOpcodes.Length)];
                return;
            }
        }

        d.Insert(random.Next(d.Count), PickleOpcodes[random.Next(PickleOpcodes.Length)]);
    }

    private void Truncate(List<byte> d)
    {
        var cut = random.Next(d.Count);
        d.RemoveRange(cut, d.Count - cut);
    }

    private void InsertRandom(List<byte> d)
    {
        var count = 1 + random.Next(random.Next(8) == 0 ? 256 : 8);
        var bytes = new byte[count];
        random.NextBytes(bytes);
        d.InsertRange(random.Next(d.Count + 1), bytes);
    }

    private void DeleteRange(List<byte> d)
    {
        var at = random.Next(d.Count);
        d.RemoveRange(at, Math.Min(d.Count - at, 1 + random.Next(random.Next(4) == 0 ? 1024 : 16)));
    }

    private void DuplicateRange(List<byte> d)
    {
        if (d.Count > 1 << 22)
        {
            return;
        }

        var at = random.Next(d.Count);
        var length = Math.Min(d.Count - at, 1 + random.Next(256));
        var copy = d.GetRange(at, length);
        var times = random.Next(8) == 0 ? 1 + random.Next(16) : 1;
        for (var i = 0; i < times; i++)
        {
            d.InsertRange(random.Next(d.Count + 1), copy);
        }
    }

    private void CopyRangeWithin(List<byte> d)
    {
        var from = random.Next(d.Count);
        var to = random.Next(d.Count);
        var length = Math.Min(1 + random.Next(64), Math.Min(d.Count - from, d.Count - to));
        var copy = d.GetRange(from, length);
        for (var i = 0; i < length; i++)
        {
            d[to + i] = copy[i];
        }
    }

    /// <summary>A prefix of this input followed by a suffix of another seed of the same target.</summary>
    private void Splice(List<byte> d)
    {
        var other = seeds[random.Next(seeds.Count)];
        if (other.Length == 0)
        {
            return;
        }

        var cut = random.Next(d.Count);
        var from = random.Next(other.Length);
        d.RemoveRange(cut, d.Count - cut);
        d.AddRange(other.AsSpan(from).ToArray());
    }
}
