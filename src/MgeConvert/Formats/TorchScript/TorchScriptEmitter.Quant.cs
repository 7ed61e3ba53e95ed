using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using MgeConvert.Quantization;
using static MgeConvert.Formats.TorchScript.TorchScriptLiterals;

namespace MgeConvert.Formats.TorchScript;

internal sealed partial class TorchScriptEmitter
{
    private static (long Min, long Max) QuantRange(ElementType storage, string valueName) => storage switch
    {
        ElementType.Int8 => (sbyte.MinValue, sbyte.MaxValue),
        ElementType.UInt8 => (byte.MinValue, byte.MaxValue),
        ElementType.Int16 => (short.MinValue, short.MaxValue),
        ElementType.Int32 => (int.MinValue, int.MaxValue),
        _ => throw new NotExpressibleException($"value {valueName}: quantized {storage} has no integer range"),
    };

    private static string Dequantize(string raw, QuantParams q, string valueName)
    {
        RequirePerTensor(q, valueName);

        // An integer tensor minus or times a float scalar is a float32 tensor.
        var centered = q.ZeroPoint == 0 ? raw : Call("sub", raw, Float((double)q.ZeroPoint));
        return Call("mul", centered, Float(q.Scale));
    }

    private static string Quantize(string real, QuantParams q, ElementType storage, string valueName)
    {
        RequirePerTensor(q, valueName);
        if (QuantizedScalarType(storage) is { } quantized)
        {
            return Call("int_repr", Call("quantize_per_tensor", real, Float(q.Scale), Int(q.ZeroPoint), Int(quantized)));
        }

        var (min, max) = QuantRange(storage, valueName);
        var rounded = Call("round", Call("div", real, Float(q.Scale)));
        var stored = Call("clamp", q.ZeroPoint == 0 ? rounded : Call("add", rounded, Int(q.ZeroPoint)), Float(min), Float(max));
        return Call("to", stored, Int(ScalarType(storage)!.Value));
    }

    /// <summary>c10::ScalarType codes of torch's quantized tensors (quantize_per_tensor saturates to their range).</summary>
    private static int? QuantizedScalarType(ElementType storage) => storage switch
    {
        ElementType.Int8 => 12,
        ElementType.UInt8 => 13,
        ElementType.Int32 => 14,
        _ => null,
    };

    /// <summary>
    /// Rounds real values to the grid of <paramref name="value"/>'s quantization: its recorded QAT range when
    /// there is one (float values of QAT models carry scale and zero point on a float type), else its storage range.
    /// </summary>
    private string FakeQuantize(string real, Value value)
    {
        var q = value.DType.Quant!;
        var (min, max) = QuantAnnotations.Get(value) is { } info ? (info.QMin, info.QMax)
            : value.DType.Element.IsFloat() ? QuantRange(ElementType.Int8, value.Name) : QuantRange(value.DType.Element, value.Name);
        var valueName = value.Name;
        if (q.IsPerTensor)
        {
            return Call("fake_quantize_per_tensor_affine", real, Float(q.Scale), Int(q.ZeroPoint), Int(min), Int(max));
        }

        var scales = Unique(Identifier("q_", valueName + "_scale"));
        var zeroPoints = Unique(Identifier("q_", valueName + "_zero_point"));
        Attributes.Add((scales, Tensor.FromFloats(new Shape(q.Scales.Length), q.Scales)));
        Attributes.Add((zeroPoints, Tensor.FromInt32s(new Shape(q.ZeroPoints.Length), Array.ConvertAll(q.ZeroPoints, z => (int)z))));
        return Call("fake_quantize_per_channel_affine", real, "self." + scales, "self." + zeroPoints, Int(q.Axis!.Value), Int(min), Int(max));
    }

    private static void RequirePerTensor(QuantParams q, string valueName)
    {
        if (!q.IsPerTensor)
        {
            throw new NotExpressibleException($"value {valueName} is quantized per channel at a graph boundary");
        }
    }

    /// <summary>After an op whose output quantization differs from its input's, rounds to the output's grid.</summary>
    private void RequantizeOutputs(Node node)
    {
        if (node.Op is Cast)
        {
            return;
        }

        var inputQuant = node.InputOrNull(0)?.DType.Quant;
        foreach (var output in node.Outputs)
        {
            if (output.DType.Quant is { } q && (output.DType.Element.IsFloat() || !q.Equals(inputQuant))
                && _names.TryGetValue(output, out var name))
            {
                var target = _declared.Contains(name) ? name : Unique(Identifier("v_", output.Name));
                Let(target, FakeQuantize(name, output));
                _names[output] = target;
                _declared.Add(target);
            }
        }
    }

    private bool LowerCast(Node node, Cast cast)
    {
        var x = X(node, 0);
        var from = node.Input(0).DType;
        var to = cast.To;
        if (from.IsQuantized && to == DataType.Float32)
        {
            // Quantized values already travel as their float32 real values.
            _names[node.Output] = x;
            return true;
        }

        if (to.IsQuantized)
        {
            var real = from.IsQuantized || from.Element.IsFloat() ? x : Call("to", x, "6");
            // Rounding is not needed on values already on the grid, nor on a value only the graph returns: the output
            // expression quantizes it to integers.
            if (!to.Element.IsFloat() && (!_read.Contains(node.Output) || OnGrid(node.Input(0), to)))
            {
                _names[node.Output] = real;
                return true;
            }

            Let(Out(node), FakeQuantize(real, node.Output));
            return true;
        }

        var y = Out(node);

        if (from.Quant is { } q)
        {
            Let(y, to.Element.IsFloat() ? Call("to", x, Int(ScalarType(to.Element)!.Value)) : Quantize(x, q, from.Element, node.Input(0).Name));
            if (!to.Element.IsFloat() && to.Element != from.Element)
            {
                Let(y, Call("to", y, Int(DtypeCode(to.Element))));
            }

            return true;
        }

        Let(y, Call("to", x, Int(DtypeCode(to.Element))));
        return true;
    }

    /// <summary>
    /// Whether every element of <paramref name="value"/> is a real value of <paramref name="quantized"/>'s grid: a
    /// dequantized <paramref name="quantized"/> value, or one made from such values by ops that only select or move elements.
    /// </summary>
    private static bool OnGrid(Value value, DataType quantized) => value.Producer switch
    {
        { Op: Cast { To.IsQuantized: false } } dequantize => dequantize.Input(0).DType == quantized,
        { Op: Pool { Kind: PoolKind.Max } or GlobalPool { Kind: PoolKind.Max } or Concat or Reshape or Flatten or Transpose or Squeeze or Unsqueeze or Identity } move =>
            move.Inputs.All(v => v is not null && OnGrid(v, quantized)),
        _ => false,
    };

    private static int DtypeCode(ElementType type) =>
        ScalarType(type) ?? throw new NotExpressibleException($"torch has no {type} tensors");
}
