using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Formats.Onnx;

/// <summary>Export rules for elementwise, activation, cast and softmax ops.</summary>
internal static class OnnxExportElementwise
{
    private static readonly Dictionary<UnaryFunction, int> UnarySince = new()
    {
        [UnaryFunction.Sin] = 7,
        [UnaryFunction.Cos] = 7,
        [UnaryFunction.Erf] = 9,
        [UnaryFunction.Sign] = 9,
        [UnaryFunction.Round] = 11,
        [UnaryFunction.HardSwish] = 14,
    };

    public static void Unary(OnnxExportContext c)
    {
        var function = ((Unary)c.Op).Function;
        if (function == UnaryFunction.Silu)
        {
            c.Main("Mul", [c.In(0), c.Helper("Sigmoid", [c.In(0)])]);
            return;
        }

        if (function == UnaryFunction.HardSwish && c.Opset < 14)
        {
            var gate = c.Helper("HardSigmoid", [c.In(0)], OnnxAttributes.Float("alpha", 1f / 6), OnnxAttributes.Float("beta", 0.5f));
            c.Main("Mul", [c.In(0), gate]);
            return;
        }

        if (UnarySince.TryGetValue(function, out var since) && c.Opset < since)
        {
            throw c.NeedsOpset(since, function.ToString());
        }

        c.Main(function.ToString(), [c.In(0)]);
    }

    public static void Binary(OnnxExportContext c)
    {
        var function = ((Binary)c.Op).Function;
        var a = c.In(0);
        var b = c.In(1);
        var isFloat = c.InValue(0).DType.Element.IsFloat();
        switch (function)
        {
            case BinaryFunction.LessOrEqual or BinaryFunction.GreaterOrEqual when c.Opset < 12:
                c.Main("Not", [c.Helper(function == BinaryFunction.LessOrEqual ? "Greater" : "Less", [a, b])]);
                return;
            case BinaryFunction.Equal when c.Opset < 11 && isFloat:
                throw c.NeedsOpset(11, "Equal of floating-point values");
            case BinaryFunction.Mod when !isFloat:
                c.Main(c.Opset >= 10 ? "Mod" : throw c.NeedsOpset(10, "Mod"), [a, b]);
                return;
            case BinaryFunction.Mod:
                // Python-style float modulo: a - floor(a / b) * b.
                var quotient = c.Helper("Floor", [c.Helper("Div", [a, b])]);
                c.Main("Sub", [a, c.Helper("Mul", [quotient, b])]);
                return;
            case BinaryFunction.FloorDiv when isFloat:
                c.Main("Floor", [c.Helper("Div", [a, b])]);
                return;
            case BinaryFunction.FloorDiv:
                throw c.Unsupported("integer floor division has no ONNX operator (Div truncates)");
            case BinaryFunction.Pow when c.Opset < 12 && c.InValue(1).DType.Element != c.InValue(0).DType.Element:
                throw c.NeedsOpset(12, "Pow with an exponent of another type");
            case BinaryFunction.Max or BinaryFunction.Min when c.Opset < 8 && !c.InShape(0).Equals(c.InShape(1)):
                throw c.NeedsOpset(8, "broadcasting Max/Min");
            default:
                c.Main(function.ToString(), [a, b]);
                return;
        }
    }

    public static void Clip(OnnxExportContext c)
    {
        var clip = (Clip)c.Op;
        var node = c.ClipNode(c.Node.Name, c.In(0), c.Out(0), clip.Min, clip.Max, c.InValue(0).DType.Element);
        c.Main(node.OpType, node.Input, node.Attribute.ToArray());
    }

    public static void Gelu(OnnxExportContext c)
    {
        var gelu = (Gelu)c.Op;
        if (c.Opset >= 20)
        {
            c.Main("Gelu", [c.In(0)], OnnxAttributes.Str("approximate", gelu.TanhApproximation ? "tanh" : "none"));
            return;
        }

        var type = c.InValue(0).DType.Element;
        var x = c.In(0);
        string inner;
        if (gelu.TanhApproximation)
        {
            // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
            var cube = c.Helper("Mul", [x, c.Helper("Mul", [x, x])]);
            var sum = c.Helper("Add", [x, c.Helper("Mul", [cube, c.Scalar("coef", type, 0.044715)])]);
            inner = c.Helper("Tanh", [c.Helper("Mul", [sum, c.Scalar("sqrt_2_over_pi", type, Math.Sqrt(2 / Math.PI))])]);
        }
        else
        {
            // 0.5 x (1 + erf(x / sqrt 2))
            if (c.Opset < 9)
            {
                throw c.NeedsOpset(9, "GELU (Erf)");
            }

            inner = c.Helper("Erf", [c.Helper("Div", [x, c.Scalar("sqrt2", type, Math.Sqrt(2))])]);
        }

        var onePlus = c.Helper("Add", [inner, c.Scalar("one", type, 1)]);
        c.Main("Mul", [c.Helper("Mul", [x, c.Scalar("half", type, 0.5)]), onePlus]);
    }

    public static void Cast(OnnxExportContext c)
    {
        var from = c.InValue(0).DType;
        var to = ((Cast)c.Op).To;
        if (!from.IsQuantized && !to.IsQuantized)
        {
            c.Main("Cast", [c.In(0)], OnnxAttributes.Int("to", OnnxTensors.ToOnnx(to.Element)));
            return;
        }

        if (to.IsQuantized && !from.IsFloat && !from.IsQuantized)
        {
            throw c.Unsupported($"cast from {from} to quantized {to}");
        }

        if (from.IsQuantized && !to.IsQuantized && to.Element != ElementType.Float32)
        {
            throw c.Unsupported($"dequantizing to {to} (ONNX dequantizes to float32)");
        }

        var x = c.In(0);
        if (from.IsQuantized && !to.IsQuantized)
        {
            c.Main("DequantizeLinear", QuantOperands(c, x, from.Quant!, from.Element, "in"), QuantAxis(c, from.Quant!));
            return;
        }

        if (from.IsQuantized)
        {
            // Requantization goes through float.
            x = c.Helper("DequantizeLinear", QuantOperands(c, x, from.Quant!, from.Element, "in"), QuantAxis(c, from.Quant!));
        }

        c.Main("QuantizeLinear", QuantOperands(c, x, to.Quant!, to.Element, "out"), QuantAxis(c, to.Quant!));
    }

    public static void Softmax(OnnxExportContext c, string opType, long axis)
    {
        var shape = c.InShape(0);
        var rank = shape.Rank;
        var a = ShapeMath.Axis(axis, rank);
        if (c.Opset >= 13 || a == rank - 1 || shape.Skip(a + 1).All(d => d == 1))
        {
            c.Main(opType, [c.In(0)], OnnxAttributes.Int("axis", a));
            return;
        }

        // Before opset 13 softmax covers all axes from `axis` on: move the axis last and back.
        var perm = Enumerable.Range(0, rank).Where(i => i != a).Append(a).Select(i => (long)i).ToArray();
        var inverse = new long[rank];
        for (var i = 0; i < rank; i++)
        {
            inverse[perm[i]] = i;
        }

        var moved = c.Helper("Transpose", [c.In(0)], OnnxAttributes.Ints("perm", perm));
        var soft = c.Helper(opType, [moved], OnnxAttributes.Int("axis", rank - 1));
        c.Main("Transpose", [soft], OnnxAttributes.Ints("perm", inverse));
    }

    private static string[] QuantOperands(OnnxExportContext c, string x, QuantParams q, ElementType storage, string hint)
    {
        if (!q.IsPerTensor && c.Opset < 13)
        {
            throw c.NeedsOpset(13, "per-channel quantization");
        }

        if (c.Opset < 10)
        {
            throw c.NeedsOpset(10, "QuantizeLinear/DequantizeLinear");
        }

        if (storage is not (ElementType.Int8 or ElementType.UInt8) && c.Opset < 21)
        {
            throw c.NeedsOpset(21, $"quantization to {storage}");
        }

        var shape = q.IsPerTensor ? Shape.Scalar : new Shape(q.Scales.Length);
        var scale = c.Const($"{hint}_scale", Tensor.FromFloats(shape, q.Scales));
        var zeroPoints = q.ZeroPoints.Select(z => OnnxScalars.Make(storage, z).Bytes.ToArray()).SelectMany(b => b).ToArray();
        var zero = c.Const($"{hint}_zero_point", new Tensor(new DataType(storage), shape, zeroPoints));
        return [x, scale, zero];
    }

    private static Proto.AttributeProto[] QuantAxis(OnnxExportContext c, QuantParams q) =>
        q.IsPerTensor ? [] : [OnnxAttributes.Int("axis", q.Axis!.Value)];
}
