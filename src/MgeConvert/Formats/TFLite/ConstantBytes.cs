namespace MgeConvert.Formats.TFLite;

/// <summary>
/// The bytes of a constant tensor. Layout changes are recorded, not performed: the permuted bytes are produced
/// only when the model is serialized, one tensor at a time, so the writer never holds a second copy of all weights.
/// </summary>
internal abstract class ConstantBytes : IO.HollowBuffer.Payload
{
    public static implicit operator ConstantBytes(ReadOnlyMemory<byte> bytes) => new StoredBytes(bytes);

    public static implicit operator ConstantBytes(byte[] bytes) => new StoredBytes(bytes);

    /// <summary>These bytes, read as C-order elements of <paramref name="shape"/>, with output axis i = input axis perm[i].</summary>
    public ConstantBytes Transposed(long[] shape, int[] perm, int elementSize)
    {
        if (NhwcLayout.IsMemoryOrderPreserving(shape, perm))
        {
            return this;
        }

        // Rows along a first axis that stays first: scaling after the transpose gives the same bytes, with no scratch copy.
        return this is ScaledRowsBytes scaled && perm[0] == 0 && shape[0] == scaled.Scales.Length
            ? scaled.Source.Transposed(shape, perm, elementSize).ScaledRows(scaled.Scales, scaled.RowLength)
            : new TransposedBytes(this, shape, perm, elementSize);
    }

    /// <summary>These bytes as float32 elements, each row of <paramref name="rowLength"/> elements multiplied by its scale (rounded once).</summary>
    public ConstantBytes ScaledRows(double[] scales, int rowLength) => new ScaledRowsBytes(this, scales, rowLength);

    public byte[] ToArray()
    {
        var result = new byte[Length];
        CopyTo(result);
        return result;
    }

    private sealed class StoredBytes(ReadOnlyMemory<byte> bytes) : ConstantBytes
    {
        public override int Length => bytes.Length;

        public override ReadOnlyMemory<byte>? Stored => bytes;

        public override void CopyTo(Span<byte> target) => bytes.Span.CopyTo(target);
    }

    private sealed class ScaledRowsBytes(ConstantBytes source, double[] scales, int rowLength) : ConstantBytes
    {
        public ConstantBytes Source => source;

        public double[] Scales => scales;

        public int RowLength => rowLength;

        public override int Length => source.Length;

        public override void CopyTo(Span<byte> target)
        {
            source.CopyTo(target);
            var values = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(target[..Length]);
            for (var row = 0; row < scales.Length; row++)
            {
                var rowValues = values.Slice(row * rowLength, rowLength);
                Ir.FloatRows.Scale(rowValues, rowValues, scales[row]);
            }
        }
    }

    private sealed class TransposedBytes(ConstantBytes source, long[] shape, int[] perm, int elementSize) : ConstantBytes
    {
        public override int Length => source.Length;

        public override void CopyTo(Span<byte> target)
        {
            if (source.Stored is { } stored)
            {
                NhwcLayout.Transpose(stored.Span, target[..Length], shape, perm, elementSize);
                return;
            }

            // A computed source (e.g. scaled rows) goes through a pooled buffer, so serializing many tensors leaves no garbage.
            var scratch = System.Buffers.ArrayPool<byte>.Shared.Rent(Length);
            try
            {
                source.CopyTo(scratch);
                NhwcLayout.Transpose(scratch.AsSpan(0, Length), target[..Length], shape, perm, elementSize);
            }
            finally
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(scratch);
            }
        }
    }
}
