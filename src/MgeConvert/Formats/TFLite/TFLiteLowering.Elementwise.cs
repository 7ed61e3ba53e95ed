using MgeConvert.Formats.TFLite.Schema;
using MgeConvert.Ir;
using TensorType = MgeConvert.Formats.TFLite.Schema.TensorType;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Formats.TFLite;

internal sealed partial class TFLiteLowering
{
    /// <summary>An input of a broadcasting op computed in <paramref name="layout"/> with output rank <paramref name="rank"/>.</summary>
    private TFLiteTensor Operand(Value v, Layout layout, int rank)
    {
        if (layout == Layout.Ir || (!v.IsConstant && v.Shape.Rank == 4))
        {
            return v.IsConstant ? Constant(v, layout, v.Shape.Rank) : Get(v, layout);
        }

        if (v.IsConstant)
        {
            return Constant(v, layout, rank);
        }

        // A lower-rank computed operand: lift to 4-D, then move its axes like the others.
        var source = Get(v, Layout.Ir);
        var lifted = Enumerable.Repeat(1L, 4 - v.Shape.Rank).Concat(source.Shape.Select(d => (long)d)).ToArray();
        var target = Temp($"{v.Name}_nhwc", source, ToInt(NhwcLayout.Permute(lifted, NhwcLayout.ToNhwc)));
        if (!NhwcLayout.IsMemoryOrderPreserving(lifted, NhwcLayout.ToNhwc))
        {
            throw new NotExpressibleException($"{v.Name} {v.Shape} broadcast against a channels-last value");
        }

        Reshape(source, target);
        return target;
    }

    private Layout ElementwiseLayout(Node node) =>
        ChooseLayout(node.Inputs, node.Output.Shape.Rank);

    private void LowerElementwise(Node node, BuiltinOperator code, Value[] inputs, BuiltinOptions optionsType = BuiltinOptions.NONE,
        Func<Google.FlatBuffers.FlatBufferBuilder, int>? options = null)
    {
        var layout = ElementwiseLayout(node);
        var rank = node.Output.Shape.Rank;
        var operands = inputs.Select(v => Operand(v, layout, rank).Index).ToArray();
        var output = Output(node.Output, layout);
        _b.AddOperator(code, operands, [output.Index], optionsType, options);
    }

    private void LowerBinary(Node node, Binary b)
    {
        var a = node.Input(0);
        var c = node.Input(1);
        switch (b.Function)
        {
            case BinaryFunction.Add or BinaryFunction.Sub or BinaryFunction.Mul or BinaryFunction.Div:
                {
                    var layout = ElementwiseLayout(node);
                    var rank = node.Output.Shape.Rank;
                    var inputs = new[] { Operand(a, layout, rank).Index, Operand(c, layout, rank).Index };
                    var (act, result) = TakeActivation(node);
                    var (code, type) = b.Function switch
                    {
                        BinaryFunction.Add => (BuiltinOperator.ADD, BuiltinOptions.AddOptions),
                        BinaryFunction.Sub => (BuiltinOperator.SUB, BuiltinOptions.SubOptions),
                        BinaryFunction.Mul => (BuiltinOperator.MUL, BuiltinOptions.MulOptions),
                        _ => (BuiltinOperator.DIV, BuiltinOptions.DivOptions),
                    };
                    EmitActivated(code, inputs, result, node.Output, layout, act, type, (fb, f) => b.Function switch
                    {
                        BinaryFunction.Add => AddOptions.CreateAddOptions(fb, f).Value,
                        BinaryFunction.Sub => SubOptions.CreateSubOptions(fb, f).Value,
                        BinaryFunction.Mul => MulOptions.CreateMulOptions(fb, f).Value,
                        _ => DivOptions.CreateDivOptions(fb, f).Value,
                    });
                    return;
                }

            case BinaryFunction.Xor:
                LowerElementwise(node, BuiltinOperator.NOT_EQUAL, [a, c]);
                break;
            default:
                var simple = b.Function switch
                {
                    BinaryFunction.Pow => BuiltinOperator.POW,
                    BinaryFunction.Max => BuiltinOperator.MAXIMUM,
                    BinaryFunction.Min => BuiltinOperator.MINIMUM,
                    BinaryFunction.FloorDiv => BuiltinOperator.FLOOR_DIV,
                    BinaryFunction.Mod => BuiltinOperator.FLOOR_MOD,
                    BinaryFunction.And => BuiltinOperator.LOGICAL_AND,
                    BinaryFunction.Or => BuiltinOperator.LOGICAL_OR,
                    BinaryFunction.Equal => BuiltinOperator.EQUAL,
                    BinaryFunction.Less => BuiltinOperator.LESS,
                    BinaryFunction.LessOrEqual => BuiltinOperator.LESS_EQUAL,
                    BinaryFunction.Greater => BuiltinOperator.GREATER,
                    BinaryFunction.GreaterOrEqual => BuiltinOperator.GREATER_EQUAL,
                    _ => throw new NotExpressibleException($"binary {b.Function}"),
                };
                LowerElementwise(node, simple, [a, c]);
                break;
        }

        if (b.Activation != FusedActivation.None)
        {
            ApplySeparateActivation(node.Output, b.Activation);
        }
    }

    /// <summary>Re-registers <paramref name="v"/> as the result of an activation op applied to its current tensor.</summary>
    private void ApplySeparateActivation(Value v, FusedActivation act)
    {
        var lowered = _values[v];
        var source = lowered.Native == Layout.Ir ? lowered.Ir! : lowered.Nhwc!;
        var output = Temp($"{v.Name}_act", source);
        _b.AddOperator(ActivationCode(act), [source.Index], [output.Index]);
        _values[v] = lowered.Native == Layout.Ir ? new Lowered(Layout.Ir, output, null, false) : new Lowered(Layout.Nhwc, null, output, false);
    }

    private void LowerUnary(Node node, Unary u)
    {
        var x = node.Input(0);
        BuiltinOperator? code = u.Function switch
        {
            UnaryFunction.Relu => BuiltinOperator.RELU,
            UnaryFunction.Sigmoid => BuiltinOperator.LOGISTIC,
            UnaryFunction.Tanh => BuiltinOperator.TANH,
            UnaryFunction.Exp => BuiltinOperator.EXP,
            UnaryFunction.Log => BuiltinOperator.LOG,
            UnaryFunction.Abs => BuiltinOperator.ABS,
            UnaryFunction.Neg => BuiltinOperator.NEG,
            UnaryFunction.Sqrt => BuiltinOperator.SQRT,
            UnaryFunction.Floor => BuiltinOperator.FLOOR,
            UnaryFunction.Ceil => BuiltinOperator.CEIL,
            UnaryFunction.Round => BuiltinOperator.ROUND,
            UnaryFunction.Sign => BuiltinOperator.SIGN,
            UnaryFunction.Sin => BuiltinOperator.SIN,
            UnaryFunction.Cos => BuiltinOperator.COS,
            UnaryFunction.Not => BuiltinOperator.LOGICAL_NOT,
            UnaryFunction.HardSwish => BuiltinOperator.HARD_SWISH,
            _ => null,
        };
        if (code is { } c)
        {
            LowerElementwise(node, c, [x]);
            return;
        }

        RequireFloat(x, u.Function.ToString());
        var layout = ChooseLayout([x], x.Shape.Rank);
        var input = Get(x, layout);
        var output = Output(node.Output, layout);
        switch (u.Function)
        {
            case UnaryFunction.Silu:
                {
                    var sig = Temp($"{node.Name}_sigmoid", input);
                    _b.AddOperator(BuiltinOperator.LOGISTIC, [input.Index], [sig.Index]);
                    _b.AddOperator(BuiltinOperator.MUL, [input.Index, sig.Index], [output.Index]);
                    break;
                }

            case UnaryFunction.Reciprocal:
                _b.AddOperator(BuiltinOperator.DIV, [Scalar(node.Name + "_one", 1f).Index, input.Index], [output.Index]);
                break;
            case UnaryFunction.Softplus:
                {
                    var e = Temp($"{node.Name}_exp", input);
                    var p = Temp($"{node.Name}_exp1", input);
                    _b.AddOperator(BuiltinOperator.EXP, [input.Index], [e.Index]);
                    _b.AddOperator(BuiltinOperator.ADD, [e.Index, Scalar(node.Name + "_one", 1f).Index], [p.Index]);
                    _b.AddOperator(BuiltinOperator.LOG, [p.Index], [output.Index]);
                    break;
                }

            case UnaryFunction.Softsign:
                {
                    var a = Temp($"{node.Name}_abs", input);
                    var d = Temp($"{node.Name}_den", input);
                    _b.AddOperator(BuiltinOperator.ABS, [input.Index], [a.Index]);
                    _b.AddOperator(BuiltinOperator.ADD, [a.Index, Scalar(node.Name + "_one", 1f).Index], [d.Index]);
                    _b.AddOperator(BuiltinOperator.DIV, [input.Index, d.Index], [output.Index]);
                    break;
                }

            default:
                throw new NotExpressibleException($"unary {u.Function}");
        }
    }

    private TFLiteTensor Scalar(string name, float value) => _b.AddFloatConstant(name, [], value);

    private void LowerClip(Node node, Clip c)
    {
        var x = node.Input(0);
        var code = (c.Min, c.Max) switch
        {
            (0f, 6f) => BuiltinOperator.RELU6,
            (-1f, 1f) => BuiltinOperator.RELU_N1_TO_1,
            (0f, float.PositiveInfinity) => BuiltinOperator.RELU,
            _ => (BuiltinOperator?)null,
        };
        if (code is { } simple)
        {
            LowerElementwise(node, simple, [x]);
            return;
        }

        RequireFloat(x, "Clip");
        var layout = ChooseLayout([x], x.Shape.Rank);
        var input = Get(x, layout);
        var output = Output(node.Output, layout);
        var low = Temp($"{node.Name}_low", input);
        _b.AddOperator(BuiltinOperator.MAXIMUM, [input.Index, Scalar(node.Name + "_min", c.Min).Index], [low.Index]);
        _b.AddOperator(BuiltinOperator.MINIMUM, [low.Index, Scalar(node.Name + "_max", c.Max).Index], [output.Index]);
    }

    private void LowerLeakyRelu(Node node, LeakyRelu l) =>
        LowerElementwise(node, BuiltinOperator.LEAKY_RELU, [node.Input(0)], BuiltinOptions.LeakyReluOptions,
            fb => LeakyReluOptions.CreateLeakyReluOptions(fb, l.Alpha).Value);

    private void LowerGelu(Node node, Gelu g) =>
        LowerElementwise(node, BuiltinOperator.GELU, [node.Input(0)], BuiltinOptions.GeluOptions,
            fb => GeluOptions.CreateGeluOptions(fb, g.TanhApproximation).Value);

    private void LowerElu(Node node, Elu e)
    {
        var x = node.Input(0);
        if (e.Alpha == 1f)
        {
            LowerElementwise(node, BuiltinOperator.ELU, [x]);
            return;
        }

        // ELU is fixed at alpha 1: relu(x) + alpha·elu(min(x, 0)).
        RequireFloat(x, "Elu");
        var layout = ChooseLayout([x], x.Shape.Rank);
        var input = Get(x, layout);
        var output = Output(node.Output, layout);
        var positive = Temp($"{node.Name}_pos", input);
        var negative = Temp($"{node.Name}_neg", input);
        var curved = Temp($"{node.Name}_elu", input);
        var scaled = Temp($"{node.Name}_scaled", input);
        _b.AddOperator(BuiltinOperator.RELU, [input.Index], [positive.Index]);
        _b.AddOperator(BuiltinOperator.MINIMUM, [input.Index, Scalar($"{node.Name}_zero", 0f).Index], [negative.Index]);
        _b.AddOperator(BuiltinOperator.ELU, [negative.Index], [curved.Index]);
        _b.AddOperator(BuiltinOperator.MUL, [curved.Index, Scalar($"{node.Name}_alpha", e.Alpha).Index], [scaled.Index]);
        _b.AddOperator(BuiltinOperator.ADD, [positive.Index, scaled.Index], [output.Index]);
    }

    private void LowerHardSigmoid(Node node, HardSigmoid h)
    {
        // max(0, min(1, a·x + b)) = relu6(6a·x + 6b) / 6
        var x = node.Input(0);
        RequireFloat(x, "HardSigmoid");
        var layout = ChooseLayout([x], x.Shape.Rank);
        var input = Get(x, layout);
        var output = Output(node.Output, layout);
        var scaled = Temp($"{node.Name}_scaled", input);
        var clipped = Temp($"{node.Name}_relu6", input);
        _b.AddOperator(BuiltinOperator.MUL, [input.Index, Scalar(node.Name + "_alpha", 6 * h.Alpha).Index], [scaled.Index]);
        _b.AddOperator(BuiltinOperator.ADD, [scaled.Index, Scalar(node.Name + "_beta", 6 * h.Beta).Index], [clipped.Index],
            BuiltinOptions.AddOptions, fb => AddOptions.CreateAddOptions(fb, ActivationFunctionType.RELU6).Value);
        _b.AddOperator(BuiltinOperator.MUL, [clipped.Index, Scalar(node.Name + "_sixth", 1f / 6).Index], [output.Index]);
    }

    private void LowerCast(Node node, Cast c)
    {
        var x = node.Input(0);
        var layout = ChooseLayout([x], x.Shape.Rank);
        var input = Get(x, layout);
        var output = Output(node.Output, layout);
        var from = x.DType;
        var to = c.To;
        if (from.IsQuantized && to.IsQuantized)
        {
            // LiteRT's integer requantization (XNNPack) keeps an 8-bit multiplier and lands a step off; going
            // through float rounds like MegEngine's TypeCvt.
            var real = _b.AddTensor($"{node.Name}_real", TensorType.FLOAT32, input.Shape, signature: input.Signature);
            _b.AddOperator(BuiltinOperator.DEQUANTIZE, [input.Index], [real.Index]);
            _b.AddOperator(BuiltinOperator.QUANTIZE, [real.Index], [output.Index]);
        }
        else if (to.IsQuantized)
        {
            _b.AddOperator(BuiltinOperator.QUANTIZE, [input.Index], [output.Index]);
        }
        else if (from.IsQuantized)
        {
            _b.AddOperator(BuiltinOperator.DEQUANTIZE, [input.Index], [output.Index]);
        }
        else
        {
            _b.AddOperator(BuiltinOperator.CAST, [input.Index], [output.Index], BuiltinOptions.CastOptions,
                fb => CastOptions.CreateCastOptions(fb, input.Type, output.Type).Value);
        }
    }

    private void LowerBatchNorm(Node node, BatchNorm bn)
    {
        var x = node.Input(0);
        RequireFloat(x, "BatchNorm");
        if (Enumerable.Range(1, 4).Any(i => !node.Input(i).IsConstant))
        {
            throw new NotExpressibleException("batch-norm parameters must be constants");
        }

        var gamma = node.Input(1).Constant!.ToFloats();
        var beta = node.Input(2).Constant!.ToFloats();
        var mean = node.Input(3).Constant!.ToFloats();
        var variance = node.Input(4).Constant!.ToFloats();
        var channels = gamma.Length;
        var scale = new float[channels];
        var shift = new float[channels];
        for (var i = 0; i < channels; i++)
        {
            scale[i] = gamma[i] / MathF.Sqrt(variance[i] + bn.Epsilon);
            shift[i] = beta[i] - (mean[i] * scale[i]);
        }

        var rank = x.Shape.Rank;
        var layout = ChooseLayout([x], rank);
        var paramShape = layout == Layout.Nhwc ? [channels] : new[] { channels }.Concat(Enumerable.Repeat(1, Math.Max(rank - 2, 0))).ToArray();
        var input = Get(x, layout);
        var scaled = Temp($"{node.Name}_scaled", input);
        _b.AddOperator(BuiltinOperator.MUL, [input.Index, _b.AddFloatConstant($"{node.Name}_scale", paramShape, scale).Index], [scaled.Index]);
        var (act, result) = TakeActivation(node);
        EmitActivated(BuiltinOperator.ADD, [scaled.Index, _b.AddFloatConstant($"{node.Name}_shift", paramShape, shift).Index], result, node.Output,
            layout, act, BuiltinOptions.AddOptions, (fb, a) => AddOptions.CreateAddOptions(fb, a).Value);
    }

    private void LowerGemm(Node node, Gemm g)
    {
        var a = node.Input(0);
        var b = node.Input(1);
        var c = node.InputOrNull(2);
        if (g.TransA || !b.IsConstant)
        {
            LowerGemmAsBatchMatMul(node, g);
            return;
        }

        var n = (int)(g.TransB ? b.Shape[0] : b.Shape[1]);
        var weight = FullyConnectedWeight(b, g.TransB, g.Alpha, a);
        var input = Get(a, Layout.Ir);
        var (act, result) = TakeActivation(node);
        var perColumn = c is { IsConstant: true } && c.Shape.ElementCount == n && (c.Shape.Rank == 1 || c.Shape[0] == 1);
        if (c is null || perColumn)
        {
            TFLiteTensor? bias = c is null ? null
                : c.DType.IsQuantized && a.DType.Element == ElementType.Int16
                    ? _b.AddTensor(c.Name, TensorType.INT64, [n], TFLiteTypes.Quantization(c.DType),
                        System.Runtime.InteropServices.MemoryMarshal.AsBytes(c.Constant!.ToInt64s().AsSpan()).ToArray())
                : c.DType.IsQuantized
                    ? _b.AddTensor(c.Name, ElementTypeOf(c), [n], TFLiteTypes.Quantization(c.DType), c.Constant!.Bytes)
                    : _b.AddFloatConstant(c.Name, [n], [.. c.Constant!.ToFloats().Select(v => v * g.Beta)]);
            EmitActivated(BuiltinOperator.FULLY_CONNECTED, [input.Index, weight.Index, bias?.Index ?? -1], result, node.Output, Layout.Ir,
                act, BuiltinOptions.FullyConnectedOptions, (fb, f) => FullyConnectedOptions.CreateFullyConnectedOptions(fb, f).Value);
            return;
        }

        // A full (M, N) or computed C is added after the product.
        if (g.Beta != 1f || c.DType.IsQuantized)
        {
            throw new NotExpressibleException($"Gemm with beta {g.Beta} on a C of shape {c.Shape}");
        }

        var product = _b.AddTensor($"{node.Name}_product", input.Type, IrShape(node.Output.Shape), TFLiteTypes.Quantization(node.Output.DType));
        _b.AddOperator(BuiltinOperator.FULLY_CONNECTED, [input.Index, weight.Index, -1], [product.Index], BuiltinOptions.FullyConnectedOptions,
            fb => FullyConnectedOptions.CreateFullyConnectedOptions(fb, ActivationFunctionType.NONE).Value);
        var addend = c.IsConstant ? Constant(c, Layout.Ir, c.Shape.Rank) : Get(c, Layout.Ir);
        EmitActivated(BuiltinOperator.ADD, [product.Index, addend.Index], result, node.Output, Layout.Ir, act, BuiltinOptions.AddOptions,
            (fb, f) => AddOptions.CreateAddOptions(fb, f).Value);
    }

    /// <summary>A Gemm with a transposed or computed operand: BATCH_MATMUL transposes through adj_x/adj_y.</summary>
    private void LowerGemmAsBatchMatMul(Node node, Gemm g)
    {
        if (g.Alpha != 1f || node.InputOrNull(2) is not null || g.Activation != FusedActivation.None)
        {
            throw new NotExpressibleException("Gemm with a transposed A or computed B needs alpha 1, no C and no fused activation");
        }

        var a = node.Input(0);
        var b = node.Input(1);
        var x = a.IsConstant ? Constant(a, Layout.Ir, a.Shape.Rank) : Get(a, Layout.Ir);
        var y = b.IsConstant ? Constant(b, Layout.Ir, b.Shape.Rank) : Get(b, Layout.Ir);
        var output = Output(node.Output, Layout.Ir);
        _b.AddOperator(BuiltinOperator.BATCH_MATMUL, [x.Index, y.Index], [output.Index], BuiltinOptions.BatchMatMulOptions,
            fb => BatchMatMulOptions.CreateBatchMatMulOptions(fb, g.TransA, g.TransB).Value);
    }

    /// <summary>FULLY_CONNECTED weights are (out, in).</summary>
    private TFLiteTensor FullyConnectedWeight(Value b, bool alreadyOutIn, float alpha, Value input)
    {
        var data = b.Constant!;
        ConstantBytes bytes = data.Bytes;
        if (!alreadyOutIn)
        {
            bytes = bytes.Transposed(data.Shape.ToArray(), [1, 0], data.DType.ElementSize);
        }

        var shape = alreadyOutIn ? IrShape(b.Shape) : [(int)b.Shape[1], (int)b.Shape[0]];
        if (_channelsLastRows.TryGetValue(input, out var chw))
        {
            // The input rows come in H, W, C order: reorder the input columns of the weights the same way.
            bytes = bytes.Transposed([shape[0], chw.C, chw.H, chw.W], [0, 2, 3, 1], data.DType.ElementSize);
        }

        if (alpha != 1f)
        {
            RequireFloat(b, "Gemm alpha");
            var values = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes.ToArray()).ToArray();
            for (var i = 0; i < values.Length; i++)
            {
                values[i] *= alpha;
            }

            return _b.AddFloatConstant(b.Name, shape, values);
        }

        var quant = b.DType.Quant is { IsPerTensor: false } q && !alreadyOutIn
            ? new TFLiteQuantization(q.Scales, q.ZeroPoints, 1 - q.Axis!.Value)
            : TFLiteTypes.Quantization(b.DType);
        return _b.AddTensor(b.Name, ElementTypeOf(b), shape, quant, bytes);
    }

    private void LowerMatMul(Node node)
    {
        var a = node.Input(0);
        var b = node.Input(1);
        if (a.Shape.Rank < 2 || b.Shape.Rank < 2)
        {
            throw new NotExpressibleException("MatMul with a 1-D operand");
        }

        if (b.IsConstant && b.Shape.Rank == 2)
        {
            var weight = FullyConnectedWeight(b, false, 1f, a);
            var input = Get(a, Layout.Ir);
            var (act, result) = TakeActivation(node);
            EmitActivated(BuiltinOperator.FULLY_CONNECTED, [input.Index, weight.Index, -1], result, node.Output, Layout.Ir, act,
                BuiltinOptions.FullyConnectedOptions,
                (fb, f) => FullyConnectedOptions.CreateFullyConnectedOptions(fb, f, keep_num_dims: true).Value);
            return;
        }

        var x = Get(a, Layout.Ir);
        var y = b.IsConstant ? Constant(b, Layout.Ir, b.Shape.Rank) : Get(b, Layout.Ir);
        var output = Output(node.Output, Layout.Ir);
        _b.AddOperator(BuiltinOperator.BATCH_MATMUL, [x.Index, y.Index], [output.Index], BuiltinOptions.BatchMatMulOptions,
            fb => BatchMatMulOptions.CreateBatchMatMulOptions(fb).Value);
    }
}
