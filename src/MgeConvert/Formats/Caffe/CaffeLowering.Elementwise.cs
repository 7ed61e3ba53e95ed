using MgeConvert.Formats.Caffe.Proto;
using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Formats.Caffe;

/// <summary>Elementwise ops: Eltwise for equal shapes, Scale/Bias for broadcasting, Power for scalars.</summary>
internal sealed partial class CaffeLowering
{
    private void LowerBinary(Node node, Binary binary)
    {
        var a = node.Input(0);
        var b = node.Input(1);
        if (a.IsConstant || b.IsConstant)
        {
            LowerBinaryWithConstant(node, binary.Function, a.IsConstant ? b : a, (a.IsConstant ? a : b).Constant!, constantFirst: a.IsConstant);
            return;
        }

        var f = binary.Function;
        var reduction = a.Producer is { } pa && _repeatedReductions.Contains(pa) ? pa : b.Producer is { } pb && _repeatedReductions.Contains(pb) ? pb : null;
        if (reduction is not null)
        {
            var aIsReduced = a.Producer == reduction;
            var repeated = RepeatedReduction(node, reduction, StaticShape(node.Output)[1]);
            EmitTensorBinary(node, f, aIsReduced ? repeated : Blob(a), aIsReduced ? Blob(b) : repeated);
            return;
        }

        if (a.Shape.Equals(b.Shape) && a.Shape.IsStatic)
        {
            EmitTensorBinary(node, f, Blob(a), Blob(b));
            return;
        }

        LowerBroadcastBinary(node, f, a, b);
    }

    private void EmitTensorBinary(Node node, BinaryFunction f, string a, string b)
    {
        switch (f)
        {
            case BinaryFunction.Add or BinaryFunction.Sub or BinaryFunction.Mul or BinaryFunction.Max:
                var eltwise = Main(node, "Eltwise", [a, b], [Define(node.Output)]);
                eltwise.EltwiseParam = new EltwiseParameter { Operation = f == BinaryFunction.Mul ? EltwiseParameter.Types.EltwiseOp.Prod : f == BinaryFunction.Max ? EltwiseParameter.Types.EltwiseOp.Max : EltwiseParameter.Types.EltwiseOp.Sum };
                if (f == BinaryFunction.Sub)
                {
                    eltwise.EltwiseParam.Coeff.AddRange([1f, -1f]);
                }

                return;
            case BinaryFunction.Min:
                // min(a, b) = -max(-a, -b)
                var negA = Power(node, "neg_a", a, TempBlob($"{node.Output.Name}/neg_a"), scale: -1);
                var negB = Power(node, "neg_b", b, TempBlob($"{node.Output.Name}/neg_b"), scale: -1);
                var max = TempBlob($"{node.Output.Name}/max");
                Main(node, "Eltwise", [negA, negB], [max]).EltwiseParam = new EltwiseParameter { Operation = EltwiseParameter.Types.EltwiseOp.Max };
                Power(node, "neg", max, Define(node.Output), scale: -1);
                return;
            case BinaryFunction.Div:
                var inverse = Power(node, "reciprocal", b, TempBlob($"{node.Output.Name}/reciprocal"), power: -1);
                Main(node, "Eltwise", [a, inverse], [Define(node.Output)]).EltwiseParam = new EltwiseParameter { Operation = EltwiseParameter.Types.EltwiseOp.Prod };
                return;
            default:
                throw new NotExpressibleException($"Caffe has no elementwise {f}");
        }
    }

    /// <summary>Tensor ⊕ smaller tensor: Scale (Mul/Div) or Bias (Add/Sub) layers with a second bottom.</summary>
    private void LowerBroadcastBinary(Node node, BinaryFunction f, Value a, Value b)
    {
        var outShape = StaticShape(node.Output);
        var aIsBig = a.Shape.Equals(node.Output.Shape);
        var big = aIsBig ? a : b;
        var small = aIsBig ? b : a;
        if (!big.Shape.Equals(node.Output.Shape) || !TryBroadcastBlock(StaticShape(small), outShape, out var axis, out var dims))
        {
            EmitTensorBinary(node, f, ExpandBlob(node, "a", Blob(a), StaticShape(a), outShape), ExpandBlob(node, "b", Blob(b), StaticShape(b), outShape));
            return;
        }

        (axis, dims) = AlignWithReshapeSource(small, outShape, axis, dims);
        var smallBlob = Blob(small);
        if (!dims.SequenceEqual(StaticShape(small)))
        {
            var reshaped = TempBlob($"{node.Output.Name}/operand");
            Extra(node, "operand", "Reshape", [smallBlob], [reshaped]).ReshapeParam = new ReshapeParameter { Shape = Shape(dims) };
            smallBlob = reshaped;
        }

        var bigBlob = Blob(big);
        if (f is BinaryFunction.Mul || (f is BinaryFunction.Div && aIsBig))
        {
            if (f is BinaryFunction.Div)
            {
                smallBlob = Power(node, "reciprocal", smallBlob, TempBlob($"{node.Output.Name}/reciprocal"), power: -1);
            }

            Main(node, "Scale", [bigBlob, smallBlob], [Define(node.Output)]).ScaleParam = new ScaleParameter { Axis = axis, NumAxes = dims.Length };
            return;
        }

        // Caffe has no broadcasting add: expand the small operand with ones(big) · small first.
        var ones = Power(node, "ones", bigBlob, TempBlob($"{node.Output.Name}/ones"), scale: 0, shift: 1);
        var expanded = TempBlob($"{node.Output.Name}/expanded");
        Extra(node, "expand", "Scale", [ones, smallBlob], [expanded]).ScaleParam = new ScaleParameter { Axis = axis, NumAxes = dims.Length };
        EmitTensorBinary(node, f, aIsBig ? bigBlob : expanded, aIsBig ? expanded : bigBlob);
    }

    /// <summary>
    /// When the operand is a reshape of a value whose shape is the block widened over leading axes of extent 1, that
    /// block: the operand's reshape back then cancels out (see <see cref="Simplify"/>).
    /// </summary>
    private static (int Axis, long[] Dims) AlignWithReshapeSource(Value small, long[] full, int axis, long[] dims)
    {
        if (small.Producer is not { Op: Reshape or Squeeze or Unsqueeze or Flatten } reshape || !reshape.Input(0).Shape.IsStatic)
        {
            return (axis, dims);
        }

        var source = reshape.Input(0).Shape.ToArray();
        for (var first = axis; first >= 0 && (first == axis || full[first] == 1); first--)
        {
            long[] widened = [.. Enumerable.Repeat(1L, axis - first), .. dims];
            if (widened.SequenceEqual(source))
            {
                return (first, widened);
            }
        }

        return (axis, dims);
    }

    /// <summary>
    /// <see cref="BroadcastBlock"/> for a Scale/Bias second bottom; false when the operand broadcasts inside its span or
    /// is a single element with no axis of extent 1 to line up with (OpenCV holds no 0-d blobs).
    /// </summary>
    private static bool TryBroadcastBlock(long[] small, long[] full, out int axis, out long[] dims)
    {
        try
        {
            (axis, dims) = BroadcastBlock(small, full);
        }
        catch (NotExpressibleException)
        {
            (axis, dims) = (0, []);
            return false;
        }

        if (dims.Length == 0)
        {
            axis = Array.IndexOf(full, 1L);
            dims = [1];
        }

        return axis >= 0;
    }

    /// <summary>Broadcasts a blob to <paramref name="full"/> by tiling it with Concat layers; the blob itself when no axis grows.</summary>
    private string ExpandBlob(Node node, string role, string blob, long[] shape, long[] full)
    {
        if (shape.SequenceEqual(full))
        {
            return blob;
        }

        var aligned = new long[full.Length];
        Array.Fill(aligned, 1);
        shape.CopyTo(aligned, full.Length - shape.Length);
        var current = blob;
        if (aligned.Length != shape.Length)
        {
            current = TempBlob($"{node.Output.Name}/{role}_aligned");
            Extra(node, $"{role}_align", "Reshape", [blob], [current]).ReshapeParam = new ReshapeParameter { Shape = Shape(aligned) };
        }

        for (var axis = 0; axis < full.Length; axis++)
        {
            if (aligned[axis] == full[axis])
            {
                continue;
            }

            var top = TempBlob($"{node.Output.Name}/{role}_tile{axis}");
            Extra(node, $"{role}_tile{axis}", "Concat", Enumerable.Repeat(current, (int)full[axis]), [top]).ConcatParam = new ConcatParameter { Axis = axis };
            current = top;
        }

        return current;
    }

    /// <summary>
    /// Where a broadcast operand lines up with the full shape: the first axis and the dims of its
    /// non-broadcast block. Caffe's Scale/Bias need that block to be contiguous and equal to the full dims.
    /// </summary>
    private static (int Axis, long[] Dims) BroadcastBlock(long[] small, long[] full)
    {
        var aligned = new long[full.Length];
        Array.Fill(aligned, 1);
        if (small.Length > full.Length)
        {
            throw new NotExpressibleException("operand has more axes than the result");
        }

        small.CopyTo(aligned, full.Length - small.Length);
        var first = Array.FindIndex(aligned, d => d != 1);
        var last = Array.FindLastIndex(aligned, d => d != 1);
        if (first < 0)
        {
            return (0, []);
        }

        for (var i = first; i <= last; i++)
        {
            if (aligned[i] != full[i])
            {
                throw new NotExpressibleException($"operand [{string.Join(",", small)}] broadcasts inside its span of [{string.Join(",", full)}]");
            }
        }

        return (first, aligned[first..(last + 1)]);
    }

    private void LowerBinaryWithConstant(Node node, BinaryFunction f, Value x, Tensor constant, bool constantFirst)
    {
        var outShape = StaticShape(node.Output);
        var input = ExpandBlob(node, "x", Blob(x), StaticShape(x), outShape);
        var c = constant.Dequantize();
        var output = Define(node.Output);
        if (c.Length > 0 && c.All(v => v == c[0]))
        {
            LowerScalarBinary(node, f, input, output, c[0], constantFirst);
            return;
        }

        var (axis, dims) = BroadcastBlock(constant.Shape.ToArray(), outShape);
        if (constantFirst && f is BinaryFunction.Div)
        {
            input = Power(node, "reciprocal", input, TempBlob($"{node.Output.Name}/reciprocal"), power: -1);
        }

        var count = c.Length;
        float[] Filled(float v) => Enumerable.Repeat(v, count).ToArray();
        var (factor, shift) = f switch
        {
            BinaryFunction.Add => (Filled(1), c),
            BinaryFunction.Sub when constantFirst => (Filled(-1), c),
            BinaryFunction.Sub => (Filled(1), Array.ConvertAll(c, v => -v)),
            BinaryFunction.Mul => (c, null),
            BinaryFunction.Div when constantFirst => (c, null),
            BinaryFunction.Div => (Array.ConvertAll(c, v => 1 / v), null),
            _ => throw new NotExpressibleException($"Caffe has no {f} with a non-scalar constant"),
        };

        var scale = Main(node, "Scale", [input], [output]);
        scale.ScaleParam = new ScaleParameter { Axis = axis, NumAxes = dims.Length, BiasTerm = shift is not null };
        scale.Blobs.Add(Weights(factor, dims));
        if (shift is not null)
        {
            scale.Blobs.Add(Weights(shift, dims));
        }
    }

    private void LowerScalarBinary(Node node, BinaryFunction f, string input, string output, float v, bool constantFirst)
    {
        switch (f)
        {
            case BinaryFunction.Add:
                Power(node, null, input, output, shift: v);
                break;
            case BinaryFunction.Sub:
                Power(node, null, input, output, scale: constantFirst ? -1 : 1, shift: constantFirst ? v : -v);
                break;
            case BinaryFunction.Mul:
                Power(node, null, input, output, scale: v);
                break;
            case BinaryFunction.Div when constantFirst:
                Power(node, null, input, output, power: -1, scale: 1 / v);
                break;
            case BinaryFunction.Div:
                Power(node, null, input, output, scale: 1 / v);
                break;
            case BinaryFunction.Pow when !constantFirst:
                Power(node, null, input, output, power: v);
                break;
            case BinaryFunction.Pow when v > 0:
                Main(node, "Exp", [input], [output]).ExpParam = new ExpParameter { Base = v };
                break;
            case BinaryFunction.Max when v == 0:
                Main(node, "ReLU", [input], [output]);
                break;
            case BinaryFunction.Max:
                LowerClip(node, input, output, v, float.MaxValue);
                break;
            case BinaryFunction.Min:
                LowerClip(node, input, output, float.MinValue, v);
                break;
            default:
                throw new NotExpressibleException($"Caffe has no {f} with a constant");
        }
    }

    /// <summary>Adds a Power layer y = (shift + scale·x)^power; the main layer of the node when <paramref name="suffix"/> is null.</summary>
    private string Power(Node node, string? suffix, string input, string output, float power = 1, float scale = 1, float shift = 0)
    {
        var layer = suffix is null ? Main(node, "Power", [input], [output]) : Extra(node, suffix, "Power", [input], [output]);
        layer.PowerParam = new PowerParameter();
        if (power != 1)
        {
            layer.PowerParam.Power = power;
        }

        if (scale != 1)
        {
            layer.PowerParam.Scale = scale;
        }

        if (shift != 0)
        {
            layer.PowerParam.Shift = shift;
        }

        return output;
    }

    /// <summary>
    /// clip(x, min, max) from layers every Caffe reader knows (OpenCV has no Clip), with linear Power layers at the ends
    /// that merge with neighbouring ones: max first, y = max(x, lo) − lo = relu(x − lo), then min(y + lo, hi) =
    /// hi − relu(hi − lo − y); or, when <paramref name="afterLinear"/> (the input comes from a linear Power), min first,
    /// z = hi − min(x, hi) = relu(hi − x), then max(hi − z, lo) = lo + relu(hi − lo − z). Both take as many layers; the
    /// second is taken whenever a linear layer (Power, Convolution, Deconvolution, InnerProduct, Scale) wrote the input,
    /// whose leading Power then folds into that layer. In place when input = output.
    /// </summary>
    private void LowerClip(Node node, string input, string output, float min, float max, string? suffix = null, bool afterLinear = false)
    {
        afterLinear |= _layers.LastOrDefault(l => l.Top.Contains(input)) is { } writer && (IsLinearPower(writer) || IsWeighted(writer));
        var (hasMin, hasMax) = (min > float.MinValue, max < float.MaxValue);
        var steps = new List<(string Suffix, string Type, PowerParameter? Power)>();
        if (hasMax && (afterLinear || !hasMin))
        {
            steps.Add(("above", "Power", new PowerParameter { Scale = -1, Shift = max }));
            steps.Add(("upper", "ReLU", null));
            if (hasMin)
            {
                steps.Add(("below", "Power", new PowerParameter { Scale = -1, Shift = max - min }));
                steps.Add(("lower", "ReLU", null));
                if (min != 0)
                {
                    steps.Add(("lower_back", "Power", new PowerParameter { Shift = min }));
                }
            }
            else
            {
                steps.Add(("upper_back", "Power", new PowerParameter { Scale = -1, Shift = max }));
            }
        }
        else if (hasMin)
        {
            if (min != 0)
            {
                steps.Add(("below", "Power", new PowerParameter { Shift = -min }));
            }

            steps.Add(("lower", "ReLU", null));
            if (hasMax)
            {
                steps.Add(("above", "Power", new PowerParameter { Scale = -1, Shift = max - min }));
                steps.Add(("upper", "ReLU", null));
                steps.Add(("upper_back", "Power", new PowerParameter { Scale = -1, Shift = max }));
            }
            else if (min != 0)
            {
                steps.Add(("lower_back", "Power", new PowerParameter { Shift = min }));
            }
        }

        var current = input;
        for (var i = 0; i < steps.Count; i++)
        {
            var (step, type, power) = steps[i];
            var last = i == steps.Count - 1;
            var top = last || input == output ? output : TempBlob($"{output}/{step}");
            var layer = last && suffix is null ? Main(node, type, [current], [top]) : Extra(node, last ? suffix! : step, type, [current], [top]);
            layer.PowerParam = power;
            current = top;
        }
    }

    private void LowerUnary(Node node, UnaryFunction function)
    {
        var x = Blob(node.Input(0));
        switch (function)
        {
            case UnaryFunction.Relu:
                LowerRelu(node, 0);
                return;
            case UnaryFunction.Sigmoid: Main(node, "Sigmoid", [x], [Define(node.Output)]); return;
            case UnaryFunction.Tanh: Main(node, "TanH", [x], [Define(node.Output)]); return;
            case UnaryFunction.Exp: Main(node, "Exp", [x], [Define(node.Output)]); return;
            case UnaryFunction.Log: Main(node, "Log", [x], [Define(node.Output)]); return;
            case UnaryFunction.Abs: Main(node, "AbsVal", [x], [Define(node.Output)]); return;
            case UnaryFunction.Softplus: Main(node, "BNLL", [x], [Define(node.Output)]); return;
            case UnaryFunction.Neg: Power(node, null, x, Define(node.Output), scale: -1); return;
            case UnaryFunction.Sqrt: Power(node, null, x, Define(node.Output), power: 0.5f); return;
            case UnaryFunction.Reciprocal: Power(node, null, x, Define(node.Output), power: -1); return;
            case UnaryFunction.Silu:
                var sigmoid = TempBlob($"{node.Output.Name}/sigmoid");
                Extra(node, "sigmoid", "Sigmoid", [x], [sigmoid]);
                Main(node, "Eltwise", [x, sigmoid], [Define(node.Output)]).EltwiseParam = new EltwiseParameter { Operation = EltwiseParameter.Types.EltwiseOp.Prod };
                return;
            case UnaryFunction.HardSwish:
                // x · clip(x/6 + 1/2, 0, 1)
                var linear = Power(node, "gate", x, TempBlob($"{node.Output.Name}/gate"), scale: 1f / 6, shift: 0.5f);
                var gate = TempBlob($"{node.Output.Name}/gate_clipped");
                LowerClip(node, linear, gate, 0, 1, "gate_clip", afterLinear: true);
                Main(node, "Eltwise", [x, gate], [Define(node.Output)]).EltwiseParam = new EltwiseParameter { Operation = EltwiseParameter.Types.EltwiseOp.Prod };
                return;
            default:
                throw new NotExpressibleException($"Caffe has no layer for {function}");
        }
    }

    private void LowerRelu(Node node, float negativeSlope)
    {
        var input = node.Input(0);
        if (negativeSlope == 0 && _options.SplitConvRelu)
        {
            Alias(node.Output, Blob(input));
            return;
        }

        var inPlace = _backend == CaffeBackend.Nnie && input.Producer is not null && Blob(input) == input.Name
            && HasSingleConsumer(input, out _) && !_graphOutputs.Contains(node.Output);
        var top = inPlace ? Blob(input) : Define(node.Output);
        if (inPlace)
        {
            Alias(node.Output, top);
        }

        var layer = Main(node, "ReLU", [Blob(input)], [top]);
        if (negativeSlope != 0)
        {
            layer.ReluParam = new ReLUParameter { NegativeSlope = negativeSlope };
        }
    }

    private void LowerSelu(Node node, Selu selu)
    {
        var elu = TempBlob($"{node.Output.Name}/elu");
        Extra(node, "elu", "ELU", [Blob(node.Input(0))], [elu]).EluParam = new ELUParameter { Alpha = selu.Alpha };
        Power(node, null, elu, Define(node.Output), scale: selu.Gamma);
    }

    private void LowerHardSigmoid(Node node, HardSigmoid hard)
    {
        var linear = Power(node, "linear", Blob(node.Input(0)), TempBlob($"{node.Output.Name}/linear"), scale: hard.Alpha, shift: hard.Beta);
        LowerClip(node, linear, Define(node.Output), 0, 1, afterLinear: true);
    }

    private void LowerPRelu(Node node)
    {
        var slope = Constant(node, 1, "PReLU slope");
        var x = StaticShape(node.Input(0));
        var shared = slope.All(v => v == slope[0]);
        if (!shared)
        {
            var (axis, dims) = BroadcastBlock(StaticShape(node.Input(1)), x);
            if (axis != 1 || dims.Length != 1)
            {
                throw new NotExpressibleException($"Caffe PReLU slopes are per channel (axis 1), got slope shape {node.Input(1).Shape}");
            }
        }

        var layer = Main(node, "PReLU", [Blob(node.Input(0))], [Define(node.Output)]);
        if (shared)
        {
            layer.PreluParam = new PReLUParameter { ChannelShared = true };
            layer.Blobs.Add(Weights([slope[0]], 1));
        }
        else
        {
            layer.Blobs.Add(Weights(slope, slope.Length));
        }
    }

    private void LowerIdentity(Node node)
    {
        if (_graphOutputs.Contains(node.Output))
        {
            Power(node, null, Blob(node.Input(0)), Define(node.Output));
            return;
        }

        Alias(node.Output, Blob(node.Input(0)));
    }
}
