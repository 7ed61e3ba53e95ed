using System.Runtime.InteropServices;
using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Formats.TracedModule;

/// <summary>Evaluation of the small constant computations TracedModules record (shape arithmetic, scalar operands).</summary>
internal static class TmFolding
{
    public static Tensor? TryBinary(BinaryFunction function, Tensor a, Tensor b)
    {
        if (a.DType.IsQuantized || b.DType.IsQuantized || a.DType.Element != b.DType.Element)
        {
            return null;
        }

        Shape shape;
        try
        {
            shape = ShapeMath.Broadcast(a.Shape, b.Shape);
        }
        catch (IrException)
        {
            return null;
        }

        if (!(a.ElementCount == 1 || a.Shape.Equals(shape)) || !(b.ElementCount == 1 || b.Shape.Equals(shape)))
        {
            return null;
        }

        var x = a.ToDoubles();
        var y = b.ToDoubles();
        var n = (int)shape.ElementCount;
        var isInt = a.DType.Element.IsInteger();
        var result = new double[n];
        for (var i = 0; i < n; i++)
        {
            var u = x[x.Length == 1 ? 0 : i];
            var v = y[y.Length == 1 ? 0 : i];
            double? r = function switch
            {
                BinaryFunction.Add => u + v,
                BinaryFunction.Sub => u - v,
                BinaryFunction.Mul => u * v,
                BinaryFunction.Div => isInt ? (v == 0 ? null : Math.Truncate(u / v)) : u / v,
                BinaryFunction.FloorDiv => v == 0 ? null : Math.Floor(u / v),
                BinaryFunction.Pow => Math.Pow(u, v),
                BinaryFunction.Max => Math.Max(u, v),
                BinaryFunction.Min => Math.Min(u, v),
                _ => null,
            };
            if (r is null)
            {
                return null;
            }

            result[i] = r.Value;
        }

        return FromDoubles(shape, result, a.DType.Element);
    }

    public static Tensor Cast(Tensor t, ElementType element) => FromDoubles(t.Shape, t.ToDoubles(), element);

    public static Tensor FromDoubles(Shape shape, double[] values, ElementType element) => element switch
    {
        ElementType.Float32 => Tensor.FromFloats(shape, [.. values.Select(v => (float)v)]),
        ElementType.Float64 => Tensor.Create(DataType.Float64, shape, values),
        ElementType.Float16 => Tensor.Create(DataType.Float16, shape, values.Select(v => (Half)v).ToArray()),
        ElementType.Int32 => Tensor.FromInt32s(shape, [.. values.Select(v => (int)v)]),
        ElementType.Int64 => Tensor.FromInt64s(shape, [.. values.Select(v => (long)v)]),
        ElementType.Int16 => Tensor.Create(DataType.Int16, shape, values.Select(v => (short)v).ToArray()),
        ElementType.Int8 => Tensor.Create(DataType.Int8, shape, values.Select(v => (sbyte)v).ToArray()),
        ElementType.UInt8 => Tensor.Create(DataType.UInt8, shape, values.Select(v => (byte)v).ToArray()),
        ElementType.Bool => Tensor.Create(DataType.Bool, shape, values.Select(v => v != 0 ? (byte)1 : (byte)0).ToArray()),
        _ => throw new IrException($"cannot fold constants of type {element}"),
    };

    /// <summary>A float32 copy of a constant reshaped (data unchanged).</summary>
    public static Tensor Reshaped(Tensor t, params long[] dims) => new(t.DType, new Shape(dims), t.Bytes);

    public static float[] Floats(Tensor t) => t.DType.Element == ElementType.Float32 && !t.DType.IsQuantized
        ? MemoryMarshal.Cast<byte, float>(t.Bytes.Span).ToArray()
        : t.Dequantize();
}
