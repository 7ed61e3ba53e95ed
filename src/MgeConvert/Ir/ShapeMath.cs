namespace MgeConvert.Ir;

/// <summary>Shape arithmetic shared by the ops' type inference.</summary>
public static class ShapeMath
{
    /// <summary>Numpy-style multidirectional broadcast; unknown dims stay unknown unless the other is > 1.</summary>
    public static Shape Broadcast(Shape a, Shape b)
    {
        if (!a.HasRank || !b.HasRank)
        {
            return Shape.Unknown;
        }

        var rank = Math.Max(a.Rank, b.Rank);
        var dims = new long[rank];
        for (var i = 0; i < rank; i++)
        {
            var da = i - (rank - a.Rank) >= 0 ? a[i - (rank - a.Rank)] : 1;
            var db = i - (rank - b.Rank) >= 0 ? b[i - (rank - b.Rank)] : 1;
            dims[i] = (da, db) switch
            {
                _ when da == db => da,
                (1, _) => db,
                (_, 1) => da,
                (-1, _) => db,
                (_, -1) => da,
                _ => throw new IrException($"shapes {a} and {b} do not broadcast"),
            };
        }

        return new Shape(dims);
    }

    public static Shape Broadcast(IEnumerable<Shape> shapes) => shapes.Aggregate(Broadcast);

    /// <summary>Maps a possibly negative axis into [0, rank); throws when out of range.</summary>
    public static int Axis(long axis, int rank)
    {
        var a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= Math.Max(rank, 1))
        {
            throw new IrException($"axis {axis} is out of range for rank {rank}");
        }

        return (int)a;
    }

    /// <summary>Output length of a convolution/pooling window along one axis (-1 when the input is unknown).</summary>
    public static long WindowOutput(long input, long kernel, long stride, long padBegin, long padEnd, long dilation, bool ceil = false)
    {
        if (input < 0)
        {
            return -1;
        }

        var effective = (dilation * (kernel - 1)) + 1;
        var span = input + padBegin + padEnd - effective;
        if (span < 0)
        {
            throw new IrException($"window {effective} is larger than padded input {input + padBegin + padEnd}");
        }

        var n = ceil ? ((span + stride - 1) / stride) + 1 : (span / stride) + 1;
        if (ceil && (n - 1) * stride >= input + padBegin)
        {
            n--;
        }

        return n;
    }

    public static long Product(IEnumerable<long> dims) => dims.Aggregate(1L, (p, d) => d < 0 || p < 0 ? -1 : checked(p * d));
}
