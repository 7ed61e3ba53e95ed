using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Formats.Onnx;

/// <summary>Import rules for elementwise, activation, cast and softmax operators.</summary>
internal static class OnnxImportElementwise
{
    public static Value[] Binary(OnnxNodeContext c, BinaryFunction function)
    {
        CheckLegacyBroadcast(c);
        return c.Apply(new Binary(function), c.In(0), c.In(1));
    }

    public static Value[] Mod(OnnxNodeContext c)
    {
        if (c.Int("fmod", 0) != 0 || !c.In(0).DType.Element.IsInteger())
        {
            throw c.Unsupported("only integer Mod with fmod=0 (sign of the divisor) is in the IR");
        }

        return c.Apply(new Binary(BinaryFunction.Mod), c.In(0), c.In(1));
    }

    /// <summary>Max/Min/Sum of any number of inputs as a chain of binary ops.</summary>
    public static Value[] Variadic(OnnxNodeContext c, BinaryFunction function)
    {
        var inputs = c.Inputs.ToList();
        if (inputs.Count == 1)
        {
            return c.Apply(new Identity(), inputs[0]);
        }

        var acc = inputs[0];
        for (var i = 1; i < inputs.Count - 1; i++)
        {
            acc = c.Temp(new Binary(function), acc, inputs[i]);
        }

        return c.Apply(new Binary(function), acc, inputs[^1]);
    }

    public static Value[] Mean(OnnxNodeContext c)
    {
        var inputs = c.Inputs.ToList();
        if (inputs.Count == 1)
        {
            return c.Apply(new Identity(), inputs[0]);
        }

        var acc = inputs[0];
        for (var i = 1; i < inputs.Count; i++)
        {
            acc = c.Temp(new Binary(BinaryFunction.Add), acc, inputs[i]);
        }

        return c.Apply(new Binary(BinaryFunction.Div), acc, c.Constant(ScalarLike(acc.DType, inputs.Count, c)));
    }

    /// <summary>Before opset 7 a 1-D slope of length C applies per channel (axis 1), not numpy-style to the last axis.</summary>
    public static Value[] PRelu(OnnxNodeContext c)
    {
        var x = c.In(0);
        var slope = c.In(1);
        if (c.Opset < 7 && x.Shape.HasRank && x.Shape.Rank > 2 && slope.Shape.HasRank && slope.Shape.Rank == 1
            && slope.Shape[0] > 1 && slope.Shape[0] == x.Shape[1])
        {
            var axes = Enumerable.Range(1, x.Shape.Rank - 2).Select(a => (long)a).ToArray();
            slope = slope.Constant is { } data
                ? c.Constant(data.Reshape(new Shape([slope.Shape[0], .. axes.Select(_ => 1L)])))
                : c.Temp(new Unsqueeze(axes), slope);
        }

        return c.Apply(new PRelu(), x, slope);
    }

    public static Value[] Clip(OnnxNodeContext c)
    {
        float min, max;
        if (c.Opset < 11)
        {
            min = c.Float("min", float.NegativeInfinity);
            max = c.Float("max", float.PositiveInfinity);
        }
        else
        {
            min = c.Const(1) is { } lo ? (float)lo.ToDoubles()[0] : float.NegativeInfinity;
            max = c.Const(2) is { } hi ? (float)hi.ToDoubles()[0] : float.PositiveInfinity;
        }

        return c.Apply(new Clip(min, max), c.In(0));
    }

    /// <summary>x if x &gt; alpha else 0, as Where(x &gt; alpha, x, 0).</summary>
    public static Value[] ThresholdedRelu(OnnxNodeContext c)
    {
        var x = c.In(0);
        var alpha = c.Constant(ScalarLike(x.DType, c.Float("alpha", 1f), c));
        var zero = c.Constant(ScalarLike(x.DType, 0, c));
        return c.Apply(new Where(), c.Temp(new Binary(BinaryFunction.Greater), x, alpha), x, zero);
    }

    public static Value[] Dropout(OnnxNodeContext c)
    {
        var ratio = c.Opset >= 12 ? c.Const(1) is { } r ? (float)r.ToDoubles()[0] : 0.5f : c.Float("ratio", 0.5f);
        if (c.Opset >= 12 && c.Const(2) is { } training && training.ToInt64s()[0] != 0 && ratio != 0)
        {
            throw c.Unsupported("training-mode dropout is random");
        }

        if (!c.HasOutput(1))
        {
            return c.Apply(new Dropout(ratio), c.In(0));
        }

        // In inference mode (or with ratio 0) nothing is dropped: the mask is all true.
        var shape = c.StaticShape(0, "the dropout mask");
        var mask = new Tensor(DataType.Bool, new Shape(shape), Enumerable.Repeat((byte)1, (int)ShapeMath.Product(shape)).ToArray());
        return [c.ApplyAt(0, new Dropout(ratio), c.In(0)), c.ApplyConstantAt(1, mask)];
    }

    public static Value[] Cast(OnnxNodeContext c)
    {
        var to = c.Int("to", 0);
        var element = OnnxTensors.ToElement((int)to) ?? throw c.Unsupported($"cast to {OnnxTensors.TypeName((int)to)}");
        return c.Apply(new Cast(new DataType(element)), c.In(0));
    }

    public static Value[] Quantize(OnnxNodeContext c)
    {
        var storage = c.Opt(2)?.DType.Element ?? ElementType.UInt8;
        return c.Apply(new Cast(new DataType(storage, QuantParams(c))), c.In(0));
    }

    public static Value[] Dequantize(OnnxNodeContext c)
    {
        var x = c.In(0);
        var quant = new DataType(x.DType.Element, QuantParams(c));
        if (x.DType != quant && x.Constant is null && x.DType == new DataType(quant.Element) && c.InputIsDequantizedGraphInput(0))
        {
            // A graph input only ever dequantized holds quantized integers: it takes their quantized type.
            x.Type = new TensorType(quant, x.Shape);
        }
        else if (x.DType != quant)
        {
            var data = x.Constant ?? throw c.Unsupported("DequantizeLinear of a computed value that does not carry these quantization parameters");
            x = c.Constant(new Tensor(quant, data.Shape, data.Bytes));
        }

        return c.Apply(new Cast(DataType.Float32), x);
    }

    public static Value[] Softmax(OnnxNodeContext c, bool log)
    {
        var x = c.In(0);
        var rank = c.Rank(0);
        Op Make(long axis) => log ? new LogSoftmax(axis) : new Softmax(axis);
        if (c.Opset >= 13)
        {
            return c.Apply(Make(ShapeMath.Axis(c.Int("axis", -1), rank)), x);
        }

        // Before opset 13 the input is coerced to 2-D at `axis`: softmax runs over all trailing axes at once.
        var axis = ShapeMath.Axis(c.Int("axis", 1), rank);
        if (axis == rank - 1 || x.Shape.Skip(axis + 1).All(d => d == 1))
        {
            return c.Apply(Make(axis), x);
        }

        var unknown = x.Shape.Count(d => d < 0);
        if (unknown > 1)
        {
            throw c.Unsupported($"softmax over several trailing axes of {x.Shape} needs at most one unknown dimension");
        }

        var flat = c.Temp(new Flatten(axis), x);
        var soft = c.Temp(Make(1), flat);
        return c.Apply(new Reshape(x.Shape.ToArray()), soft);
    }

    private static QuantParams QuantParams(OnnxNodeContext c)
    {
        var scales = c.ConstFloats(1) ?? throw c.Unsupported("scale missing");
        var zeros = c.ConstInts(2) ?? new long[scales.Length];
        if (scales.Length == 1 && c.In(1).Shape.Rank == 0)
        {
            return new QuantParams(scales[0], zeros[0]);
        }

        return new QuantParams(scales, zeros, (int)ShapeMath.Axis(c.Int("axis", 1), c.Rank(0)));
    }

    private static Tensor ScalarLike(DataType type, double value, OnnxNodeContext c) => type.Element switch
    {
        ElementType.Float32 => Tensor.Scalar((float)value),
        ElementType.Float64 => Tensor.Create(DataType.Float64, Shape.Scalar, new[] { value }),
        _ => throw c.Unsupported($"{c.Node.OpType} of {type} values"),
    };

    /// <summary>Before opset 7, "broadcast=1" with "axis" aligned the second operand at an axis; only numpy-compatible uses import.</summary>
    private static void CheckLegacyBroadcast(OnnxNodeContext c)
    {
        if (c.Opset >= 7 || c.Int("broadcast", 0) == 0 || !c.Has("axis"))
        {
            return;
        }

        var a = c.Rank(0);
        var b = c.Rank(1);
        if (ShapeMath.Axis(c.Int("axis", 0), a) != a - b)
        {
            throw c.Unsupported("legacy broadcast along a middle axis");
        }
    }
}
