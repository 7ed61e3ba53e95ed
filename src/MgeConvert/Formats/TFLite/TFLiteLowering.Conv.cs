using System.Runtime.InteropServices;
using MgeConvert.Formats.TFLite.Schema;
using MgeConvert.Ir;
using TensorType = MgeConvert.Formats.TFLite.Schema.TensorType;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Formats.TFLite;

internal sealed partial class TFLiteLowering
{
    private static readonly int[] OhwiFromOihw = [0, 2, 3, 1];
    private static readonly int[] DepthwiseFromOihw = [1, 2, 3, 0];
    private static readonly int[] OhwiFromIohw = [1, 2, 3, 0];

    private void LowerConv(Node node, Conv c)
    {
        if (c.SpatialRank != 2)
        {
            throw new NotExpressibleException($"{c.SpatialRank}-D convolution (only 2-D)");
        }

        var x = node.Input(0);
        var w = node.Input(1);
        var bias = node.InputOrNull(2);
        if (!w.IsConstant || bias is { IsConstant: false })
        {
            throw new NotExpressibleException("weight and bias must be constants");
        }

        var (act, result) = TakeActivation(node, FoldBatchNorm(node, ref bias, out var scaledWeight));
        var inChannels = x.Shape[1];
        var outChannels = w.Shape[0];
        var depthwise = c.Group > 1 && c.Group == inChannels && w.Shape[1] == 1;
        var input = Get(x, Layout.Nhwc);
        var (padding, padded) = SpatialPadding(input, x, [w.Shape[2], w.Shape[3]], c.Strides, c.Dilations, c.Pads, PadFill.Zero);
        var weight = PermutedConstant(w, depthwise ? DepthwiseFromOihw : OhwiFromOihw, scaledWeight);
        var biasTensor = BiasTensor(bias, x, w, outChannels, node.Name);
        int sw = (int)c.Strides[1], sh = (int)c.Strides[0], dw = (int)c.Dilations[1], dh = (int)c.Dilations[0];
        if (depthwise)
        {
            var multiplier = (int)(outChannels / inChannels);
            EmitActivated(BuiltinOperator.DEPTHWISE_CONV_2D, [padded.Index, weight.Index, biasTensor.Index], result, node.Output, Layout.Nhwc, act,
                BuiltinOptions.DepthwiseConv2DOptions,
                (fb, a) => DepthwiseConv2DOptions.CreateDepthwiseConv2DOptions(fb, padding, sw, sh, multiplier, a, dw, dh).Value);
        }
        else
        {
            EmitActivated(BuiltinOperator.CONV_2D, [padded.Index, weight.Index, biasTensor.Index], result, node.Output, Layout.Nhwc, act,
                BuiltinOptions.Conv2DOptions,
                (fb, a) => Conv2DOptions.CreateConv2DOptions(fb, padding, sw, sh, a, dw, dh).Value);
        }
    }

    /// <summary>
    /// Folds the BatchNorm the pipeline left for the writer (<see cref="Passes.FuseBatchNormIntoConv.WriterFoldsIntoConv"/>)
    /// into the convolution: the weight is scaled per output channel only while it is serialized, the bias becomes
    /// (bias − mean)·scale + beta. Returns the BatchNorm node (then skipped) or null.
    /// </summary>
    private Node? FoldBatchNorm(Node conv, ref Value? bias, out ConstantBytes? scaledWeight)
    {
        scaledWeight = null;
        if (!_consumers.TryGetValue(conv.Output, out var readers) || readers.Count != 1 || readers[0] is not { Op: BatchNorm } bnNode
            || !Passes.FuseBatchNormIntoConv.WriterFoldsIntoConv(_graph, bnNode, _consumers) || Passes.ChannelAffine.OfBatchNorm(bnNode) is not { } affine)
        {
            return null;
        }

        var weight = conv.Input(1).Constant!;
        scaledWeight = ((ConstantBytes)weight.Bytes).ScaledRows(affine.Scale, (int)(weight.ElementCount / affine.Scale.Length));
        var oldBias = bias is null ? new double[affine.Scale.Length] : Reference.TensorValues.Reals(bias.Constant!);
        var newBias = new double[affine.Scale.Length];
        for (var o = 0; o < newBias.Length; o++)
        {
            newBias[o] = (oldBias[o] * affine.Scale[o]) + affine.Shift[o];
        }

        bias = new Value(bias?.Name ?? $"{conv.Name}_bias", Reference.TensorValues.FromReals(weight.DType.Storage, [newBias.Length], newBias));
        _fused.Add(bnNode);
        return bnNode;
    }

    private void LowerConvTranspose(Node node, ConvTranspose c)
    {
        if (c.SpatialRank != 2)
        {
            throw new NotExpressibleException("only 2-D transposed convolution");
        }

        var x = node.Input(0);
        var w = node.Input(1);
        var bias = node.InputOrNull(2);
        if (!w.IsConstant || bias is { IsConstant: false })
        {
            throw new NotExpressibleException("weight and bias must be constants");
        }

        if (c.Dilations.Any(d => d != 1))
        {
            if (w.DType.Quant is { } wq && wq.ZeroPoints.Any(z => z != 0))
            {
                throw new NotExpressibleException("dilated transposed convolution with a nonzero weight zero point");
            }

            w = DilatedKernel(w, c.Dilations);
        }

        var groups = (int)c.Group;
        if (groups > 1 && (w.DType.IsQuantized || x.DType.IsQuantized))
        {
            throw new NotExpressibleException("quantized grouped transposed convolution");
        }

        if (groups is > 1 and <= DenseTransposedGroups)
        {
            w = BlockDiagonalKernel(w, groups);
            groups = 1;
        }

        var outShape = node.Output.Shape;
        var outChannels = outShape[1];
        var k = new[] { w.Shape[2], w.Shape[3] };
        var full = new long[2];
        var same = true;
        var exact = true;
        for (var i = 0; i < 2; i++)
        {
            full[i] = ((x.Shape[i + 2] - 1) * c.Strides[i]) + k[i];
            var total = full[i] - outShape[i + 2];

            // LiteRT derives SAME padding from the output size as if it were a convolution input.
            var sameInput = (outShape[i + 2] + c.Strides[i] - 1) / c.Strides[i];
            same &= total >= 0 && c.Pads[i] == total / 2 && sameInput == x.Shape[i + 2];
            exact &= c.Pads[i] == 0 && total == 0;
            if (c.Pads[i] + outShape[i + 2] > full[i])
            {
                throw new NotExpressibleException("output padding reaches past the full transposed-convolution result");
            }
        }

        // SAME drops total/2 rows/columns at the start of the full result and the rest at the end; any other
        // window is cut out of the full (VALID) result afterwards.
        var crop = !exact && !same;
        var padding = exact || crop ? Padding.VALID : Padding.SAME;
        var (act, result) = TakeActivation(node);
        var fused = Fusable(act) ?? ActivationFunctionType.NONE;
        var separate = Fusable(act) is null;
        var output = Output(result, Layout.Nhwc);
        int[] convShape = crop ? [(int)outShape[0], (int)full[0], (int)full[1], (int)outChannels] : output.Shape;
        var combined = !crop && !separate ? output : Temp($"{node.Name}_conv", output, convShape);
        var inputs = groups == 1 ? [Get(x, Layout.Nhwc)] : SplitChannels(Get(x, Layout.Nhwc), groups, node.Name);
        var groupShape = convShape.ToArray();
        groupShape[3] /= groups;
        var biasTensor = BiasTensor(bias, x, w, outChannels, node.Name);
        int sw = (int)c.Strides[1], sh = (int)c.Strides[0];
        var groupOutputs = new List<int>();
        for (var g = 0; g < groups; g++)
        {
            var target = groups == 1 ? combined : Temp($"{node.Name}_group{g}", combined, groupShape);
            var weight = PermutedConstant(groups == 1 ? w : GroupSlice(w, g, groups), OhwiFromIohw);
            var groupBias = groups == 1 ? biasTensor : _b.AddFloatConstant($"{node.Name}_bias{g}", [groupShape[3]],
                [.. BiasValues(bias, outChannels).Skip(g * groupShape[3]).Take(groupShape[3])]);
            var shape = _b.AddInt32Vector($"{target.Name}_shape", groupShape);
            int[] operands = [shape.Index, weight.Index, inputs[g].Index, groupBias.Index];
            if (_options.Mtk)
            {
                _b.AddCustomOperator(MtkTransposeConv, operands, [target.Index], MtkTransposeConvOptions(padding, sw, sh, fused));
            }
            else
            {
                _b.AddOperator(BuiltinOperator.TRANSPOSE_CONV, operands, [target.Index],
                    BuiltinOptions.TransposeConvOptions, fb => TransposeConvOptions.CreateTransposeConvOptions(fb, padding, sw, sh, fused).Value);
            }

            groupOutputs.Add(target.Index);
        }

        if (groups > 1)
        {
            _b.AddOperator(BuiltinOperator.CONCATENATION, [.. groupOutputs], [combined.Index], BuiltinOptions.ConcatenationOptions,
                fb => ConcatenationOptions.CreateConcatenationOptions(fb, 3).Value);
        }

        var last = combined;
        if (crop)
        {
            var cropped = separate ? Temp($"{node.Name}_cropped", output) : output;
            int[] begin = [0, (int)c.Pads[0], (int)c.Pads[1], 0];
            int[] end = [output.Shape[0], begin[1] + output.Shape[1], begin[2] + output.Shape[2], output.Shape[3]];
            _b.AddOperator(BuiltinOperator.STRIDED_SLICE,
                [combined.Index, _b.AddInt32Vector($"{node.Name}_begin", begin).Index, _b.AddInt32Vector($"{node.Name}_end", end).Index,
                    _b.AddInt32Vector($"{node.Name}_strides", 1, 1, 1, 1).Index],
                [cropped.Index], BuiltinOptions.StridedSliceOptions, fb => StridedSliceOptions.CreateStridedSliceOptions(fb).Value);
            last = cropped;
        }

        if (separate)
        {
            _b.AddOperator(ActivationCode(act), [last.Index], [output.Index]);
        }

        if (result != node.Output)
        {
            _values[node.Output] = _values[result];
        }
    }

    /// <summary>--mtk: MediaTek's NeuroPilot runtime takes transposed convolutions as this custom operator.</summary>
    private const string MtkTransposeConv = "MTK_TRANSPOSE_CONV";

    /// <summary>
    /// The custom options of MTK_TRANSPOSE_CONV, the keys mgeconvert writes. Padding and activation are the TFLite
    /// enum values; dilation is 1 because a dilated kernel was already spread out.
    /// </summary>
    private static byte[] MtkTransposeConvOptions(Padding padding, int strideW, int strideH, ActivationFunctionType activation) =>
        FlexBufferMap.Encode(new Dictionary<string, int>(StringComparer.Ordinal)
        {
            ["PaddingType"] = (int)padding,
            ["stride_height"] = strideH,
            ["stride_width"] = strideW,
            ["depth_multiplier"] = 1,
            ["dilation_height_factor"] = 1,
            ["dilation_width_factor"] = 1,
            ["activation"] = (int)activation,
        });

    /// <summary>A transposed-convolution kernel with (dilation - 1) zeros between taps: the same operator without dilation.</summary>
    private static Value DilatedKernel(Value w, long[] dilations)
    {
        var data = w.Constant!;
        var size = data.DType.ElementSize;
        long rows = w.Shape[0] * w.Shape[1], kh = w.Shape[2], kw = w.Shape[3];
        long dh = ((kh - 1) * dilations[0]) + 1, dw = ((kw - 1) * dilations[1]) + 1;
        var source = data.Bytes.Span;
        var bytes = new byte[rows * dh * dw * size];
        for (long r = 0; r < rows; r++)
        {
            for (long i = 0; i < kh; i++)
            {
                for (long j = 0; j < kw; j++)
                {
                    var from = (((r * kh) + i) * kw) + j;
                    var to = (((r * dh) + (i * dilations[0])) * dw) + (j * dilations[1]);
                    source.Slice((int)(from * size), size).CopyTo(bytes.AsSpan((int)(to * size), size));
                }
            }
        }

        return new Value($"{w.Name}_dilated", new Ir.Tensor(data.DType, new Shape(w.Shape[0], w.Shape[1], dh, dw), bytes));
    }

    /// <summary>
    /// TRANSPOSE_CONV has no groups. Up to this many groups one operator with a block-diagonal kernel (zeros between
    /// groups) does the work of split, per-group operators and concatenation; beyond it the zero taps would dominate.
    /// </summary>
    private const int DenseTransposedGroups = 4;

    /// <summary>A grouped (C_in, C_out/G, kh, kw) transposed-convolution kernel as the equivalent ungrouped (C_in, C_out, kh, kw) one.</summary>
    private static Value BlockDiagonalKernel(Value w, int groups)
    {
        var data = w.Constant!;
        var size = data.DType.ElementSize;
        long inPerGroup = w.Shape[0] / groups, outPerGroup = w.Shape[1], taps = w.Shape[2] * w.Shape[3];
        var source = data.Bytes.Span;
        var bytes = new byte[w.Shape[0] * outPerGroup * groups * taps * size];
        var rowBytes = (int)(outPerGroup * taps * size);
        for (long row = 0; row < w.Shape[0]; row++)
        {
            var group = row / inPerGroup;
            var target = ((row * groups) + group) * rowBytes;
            source.Slice((int)(row * rowBytes), rowBytes).CopyTo(bytes.AsSpan((int)target, rowBytes));
        }

        return new Value($"{w.Name}_dense", new Ir.Tensor(data.DType, new Shape(w.Shape[0], outPerGroup * groups, w.Shape[2], w.Shape[3]), bytes));
    }

    private TFLiteTensor[] SplitChannels(TFLiteTensor input, int groups, string name)
    {
        var shape = input.Shape.ToArray();
        shape[3] /= groups;
        var parts = Enumerable.Range(0, groups).Select(g => Temp($"{name}_in{g}", input, shape)).ToArray();
        _b.AddOperator(BuiltinOperator.SPLIT_V,
            [input.Index, _b.AddInt32Vector($"{name}_split_sizes", [.. Enumerable.Repeat(shape[3], groups)]).Index, _b.AddInt32Constant($"{name}_split_axis", [], 3).Index],
            [.. parts.Select(p => p.Index)], BuiltinOptions.SplitVOptions, fb => SplitVOptions.CreateSplitVOptions(fb, groups).Value);
        return parts;
    }

    /// <summary>The input-channel rows of group <paramref name="g"/> of a (C_in, C_out/G, kh, kw) weight.</summary>
    private static Value GroupSlice(Value w, int g, int groups)
    {
        var data = w.Constant!;
        var rows = w.Shape[0] / groups;
        var rowBytes = (int)(data.Bytes.Length / w.Shape[0]);
        var bytes = data.Bytes.Slice((int)(g * rows * rowBytes), (int)(rows * rowBytes));
        return new Value($"{w.Name}_group{g}", new Ir.Tensor(data.DType, new Shape(rows, w.Shape[1], w.Shape[2], w.Shape[3]), bytes));
    }

    private static float[] BiasValues(Value? bias, long channels) => bias?.Constant!.ToFloats() ?? new float[channels];

    /// <summary>A constant weight with its axes permuted (per-channel quantization follows the axis).</summary>
    /// <summary><paramref name="w"/>'s constant (or <paramref name="bytes"/> of the same shape and type) permuted.</summary>
    private TFLiteTensor PermutedConstant(Value w, int[] perm, ConstantBytes? bytes = null)
    {
        var data = w.Constant!;
        bytes = (bytes ?? (ConstantBytes)data.Bytes).Transposed(data.Shape.ToArray(), perm, data.DType.ElementSize);
        return _b.AddTensor(w.Name, ElementTypeOf(w), NhwcLayout.Permute(IrShape(w.Shape), perm), TFLiteTypes.Quantization(w.DType, perm), bytes);
    }

    /// <summary>The bias, or zeros; a quantized op gets int32 zeros with scale = input scale · weight scale.</summary>
    private TFLiteTensor BiasTensor(Value? bias, Value x, Value w, long channels, string name)
    {
        if (bias is not null)
        {
            var data = bias.Constant!;
            var flat = data.Reshape(new Shape(channels));
            var q = TFLiteTypes.Quantization(data.DType.Quant is { IsPerTensor: false } qp
                ? new DataType(data.DType.Element, new QuantParams(qp.Scales, qp.ZeroPoints, 0))
                : data.DType);
            if (data.DType is { IsQuantized: true, Element: ElementType.Int32 } && x.DType.Element == ElementType.Int16)
            {
                // 16-bit activations accumulate in 64 bits: LiteRT's 16x8 kernels need int64 biases (what --use_int64_bias
                // asks for; its 8-bit kernels accept only int32, so the flag changes nothing else).
                var wide = MemoryMarshal.AsBytes(flat.ToInt64s().AsSpan()).ToArray();
                return _b.AddTensor(bias.Name, TensorType.INT64, [(int)channels], q, wide);
            }

            return _b.AddTensor(bias.Name, ElementTypeOf(bias), [(int)channels], q, flat.Bytes);
        }

        if (x.DType.Quant is { } xq && w.DType.Quant is { } wq)
        {
            var scales = new float[channels];
            for (var i = 0; i < channels; i++)
            {
                scales[i] = xq.Scale * (wq.IsPerTensor ? wq.Scale : wq.Scales[i]);
            }

            var quant = new TFLiteQuantization(wq.IsPerTensor ? [scales[0]] : scales, new long[wq.IsPerTensor ? 1 : channels], 0);
            return _b.AddTensor($"{name}_bias", TensorType.INT32, [(int)channels], quant, new byte[channels * 4]);
        }

        return _b.AddFloatConstant($"{name}_bias", [(int)channels], new float[channels]);
    }

    private enum PadFill
    {
        Zero,
        Lowest,
    }

    /// <summary>
    /// Chooses TFLite padding for a window op on an NHWC input: SAME or VALID when they are exactly the IR
    /// pads, else an explicit PAD before a VALID op. With --prefer_same_pad_mode (as the original) SAME is taken
    /// whenever the output has SAME's size, even where SAME splits the padding differently than the IR op.
    /// </summary>
    private (Padding Padding, TFLiteTensor Input) SpatialPadding(TFLiteTensor input, Value x, long[] kernel, long[] strides, long[] dilations,
        long[] pads, PadFill fill, long[]? extraEnd = null)
    {
        var same = true;
        var sameSize = true;
        var zero = true;
        for (var i = 0; i < 2; i++)
        {
            var inLen = x.Shape[i + 2];
            var effective = (dilations[i] * (kernel[i] - 1)) + 1;
            var outSame = (inLen + strides[i] - 1) / strides[i];
            var total = Math.Max(((outSame - 1) * strides[i]) + effective - inLen, 0);
            var end = pads[i + 2] + (extraEnd?[i] ?? 0);
            same &= pads[i] == total / 2 && end == total - (total / 2);
            sameSize &= ((inLen + pads[i] + end - effective) / strides[i]) + 1 == outSame;
            zero &= pads[i] == 0 && end == 0;
        }

        same |= _options.PreferSamePadMode && sameSize && !zero;

        if (zero)
        {
            return (Padding.VALID, input);
        }

        if (same)
        {
            return (Padding.SAME, input);
        }

        var begin = new[] { 0, (int)pads[0], (int)pads[1], 0 };
        var endPads = new[] { 0, (int)(pads[2] + (extraEnd?[0] ?? 0)), (int)(pads[3] + (extraEnd?[1] ?? 0)), 0 };
        return (Padding.VALID, PadTensor(input, begin, endPads, fill, x.Name));
    }

    private TFLiteTensor PadTensor(TFLiteTensor input, int[] begin, int[] end, PadFill fill, string name)
    {
        var rank = input.Shape.Length;
        var paddings = new int[rank * 2];
        for (var i = 0; i < rank; i++)
        {
            paddings[2 * i] = begin[i];
            paddings[(2 * i) + 1] = end[i];
        }

        var shape = input.Shape.Select((d, i) => d + begin[i] + end[i]).ToArray();
        var output = Temp($"{name}_padded", input, shape);
        var padTensor = _b.AddInt32Constant($"{name}_paddings", [rank, 2], paddings);
        if (fill == PadFill.Zero)
        {
            _b.AddOperator(BuiltinOperator.PAD, [input.Index, padTensor.Index], [output.Index]);
            return output;
        }

        var lowest = LowestValue(input);
        _b.AddOperator(BuiltinOperator.PADV2, [input.Index, padTensor.Index, lowest.Index], [output.Index]);
        return output;
    }

    private TFLiteTensor LowestValue(TFLiteTensor like)
    {
        byte[] bytes = like.Type switch
        {
            TensorType.FLOAT32 => MemoryMarshal.AsBytes(new[] { float.MinValue }.AsSpan()).ToArray(),
            TensorType.INT8 => [0x80],
            TensorType.UINT8 => [0],
            TensorType.INT16 => [0x00, 0x80],
            TensorType.INT32 => MemoryMarshal.AsBytes(new[] { int.MinValue }.AsSpan()).ToArray(),
            _ => throw new NotExpressibleException($"cannot pad {like.Type} with its lowest value"),
        };
        return _b.AddTensor($"{like.Name}_lowest", like.Type, [], like.Quantization, bytes);
    }

    private void LowerPool(Node node, Pool p)
    {
        if (p.Kernel.Length != 2)
        {
            throw new NotExpressibleException($"{p.Kernel.Length}-D pooling (only 2-D)");
        }

        var x = node.Input(0);
        var outShape = node.Output.Shape;
        long[] ones = [1, 1];
        var extraEnd = new long[2];
        for (var i = 0; i < 2; i++)
        {
            var floorOut = ShapeMath.WindowOutput(x.Shape[i + 2], p.Kernel[i], p.Strides[i], p.Pads[i], p.Pads[i + 2], 1);
            if (outShape[i + 2] != floorOut)
            {
                extraEnd[i] = ((outShape[i + 2] - 1) * p.Strides[i]) + p.Kernel[i] - (x.Shape[i + 2] + p.Pads[i] + p.Pads[i + 2]);
            }
        }

        var input = Get(x, Layout.Nhwc);
        var isMax = p.Kind == PoolKind.Max;
        var hasExtra = extraEnd.Any(e => e > 0);
        if (!isMax && hasExtra)
        {
            throw new NotExpressibleException("ceil-mode average pooling with partial windows");
        }

        Padding padding;
        TFLiteTensor padded;
        var needsCorrection = false;
        if (isMax)
        {
            (padding, padded) = SpatialPadding(input, x, p.Kernel, p.Strides, ones, p.Pads, PadFill.Lowest, extraEnd);
        }
        else
        {
            (padding, padded) = SpatialPadding(input, x, p.Kernel, p.Strides, ones, p.Pads, PadFill.Zero);
            var anyPad = p.Pads.Any(v => v != 0);
            if (padding == Padding.SAME && p.CountIncludePad && anyPad)
            {
                // SAME averages only the valid elements; the IR divides by the whole window.
                padded = PadTensor(input, [0, (int)p.Pads[0], (int)p.Pads[1], 0], [0, (int)p.Pads[2], (int)p.Pads[3], 0], PadFill.Zero, x.Name);
                padding = Padding.VALID;
            }

            needsCorrection = padding == Padding.VALID && anyPad && !p.CountIncludePad;
        }

        var (act, result) = TakeActivation(node);
        int sw = (int)p.Strides[1], sh = (int)p.Strides[0], kw = (int)p.Kernel[1], kh = (int)p.Kernel[0];
        if (_options.Mtk && kh == x.Shape[2] && kw == x.Shape[3] && p.Pads.All(v => v == 0))
        {
            // --mtk: a window covering the whole input is written with stride 1, as mgeconvert does for MTK.
            (sw, sh) = (1, 1);
        }

        var code = isMax ? BuiltinOperator.MAX_POOL_2D : BuiltinOperator.AVERAGE_POOL_2D;
        if (!needsCorrection)
        {
            EmitActivated(code, [padded.Index], result, node.Output, Layout.Nhwc, act, BuiltinOptions.Pool2DOptions,
                (fb, a) => Pool2DOptions.CreatePool2DOptions(fb, padding, sw, sh, kw, kh, a).Value);
            return;
        }

        RequireFloat(x, "average pooling without padding in the divisor");
        var pooled = Temp($"{node.Name}_sum_avg", padded, NhwcLayout.Permute(IrShape(outShape), NhwcLayout.ToNhwc));
        _b.AddOperator(code, [padded.Index], [pooled.Index], BuiltinOptions.Pool2DOptions,
            fb => Pool2DOptions.CreatePool2DOptions(fb, Padding.VALID, sw, sh, kw, kh, ActivationFunctionType.NONE).Value);
        var factor = _b.AddFloatConstant($"{node.Name}_divisor_fix", [1, (int)outShape[2], (int)outShape[3], 1],
            DivisorCorrection(x.Shape[2], x.Shape[3], p, outShape[2], outShape[3]));
        EmitActivated(BuiltinOperator.MUL, [pooled.Index, factor.Index], result, node.Output, Layout.Nhwc, act, BuiltinOptions.MulOptions,
            (fb, a) => MulOptions.CreateMulOptions(fb, a).Value);
    }

    /// <summary>window size / number of non-padding elements, per output position.</summary>
    private static float[] DivisorCorrection(long h, long w, Pool p, long oh, long ow)
    {
        var result = new float[oh * ow];
        for (long i = 0; i < oh; i++)
        {
            for (long j = 0; j < ow; j++)
            {
                var y0 = (i * p.Strides[0]) - p.Pads[0];
                var x0 = (j * p.Strides[1]) - p.Pads[1];
                var rows = Math.Min(y0 + p.Kernel[0], h) - Math.Max(y0, 0);
                var cols = Math.Min(x0 + p.Kernel[1], w) - Math.Max(x0, 0);
                result[(i * ow) + j] = (float)(p.Kernel[0] * p.Kernel[1]) / (rows * cols);
            }
        }

        return result;
    }

    private void LowerGlobalPool(Node node, GlobalPool p)
    {
        var x = node.Input(0);
        if (x.Shape.Rank != 4)
        {
            throw new NotExpressibleException("global pooling needs a 4-D input");
        }

        LowerWholeInputPool(node, x, p.Kind);
    }

    /// <summary>
    /// Pooling over all of H×W: MEAN/REDUCE_MAX, or with --mtk a pooling window of the input's size with stride 1
    /// (mgeconvert's MTK global pooling).
    /// </summary>
    private void LowerWholeInputPool(Node node, Value x, PoolKind kind)
    {
        if (!_options.Mtk || x.Shape[2] < 0 || x.Shape[3] < 0)
        {
            EmitReduce(node.Output, Get(x, Layout.Nhwc), [1, 2], true, Layout.Nhwc,
                kind == PoolKind.Max ? BuiltinOperator.REDUCE_MAX : BuiltinOperator.MEAN);
            return;
        }

        int kh = (int)x.Shape[2], kw = (int)x.Shape[3];
        var input = Get(x, Layout.Nhwc);
        var output = Output(node.Output, Layout.Nhwc);
        _b.AddOperator(kind == PoolKind.Max ? BuiltinOperator.MAX_POOL_2D : BuiltinOperator.AVERAGE_POOL_2D, [input.Index], [output.Index],
            BuiltinOptions.Pool2DOptions, fb => Pool2DOptions.CreatePool2DOptions(fb, Padding.VALID, 1, 1, kw, kh, ActivationFunctionType.NONE).Value);
    }

    private void LowerAdaptivePool(Node node, AdaptivePool p)
    {
        var x = node.Input(0);
        if (x.Shape.Rank != 4)
        {
            throw new NotExpressibleException("adaptive pooling needs a 4-D input");
        }

        var code = p.Kind == PoolKind.Max ? BuiltinOperator.MAX_POOL_2D : BuiltinOperator.AVERAGE_POOL_2D;
        if (p.OutputSize.All(s => s == 1))
        {
            LowerWholeInputPool(node, x, p.Kind);
            return;
        }

        if (x.Shape[2] % p.OutputSize[0] != 0 || x.Shape[3] % p.OutputSize[1] != 0)
        {
            throw new NotExpressibleException($"input {x.Shape} is not divisible into output size [{string.Join(",", p.OutputSize)}]");
        }

        int kh = (int)(x.Shape[2] / p.OutputSize[0]), kw = (int)(x.Shape[3] / p.OutputSize[1]);
        var input = Get(x, Layout.Nhwc);
        var output = Output(node.Output, Layout.Nhwc);
        _b.AddOperator(code, [input.Index], [output.Index], BuiltinOptions.Pool2DOptions,
            fb => Pool2DOptions.CreatePool2DOptions(fb, Padding.VALID, kw, kh, kw, kh, ActivationFunctionType.NONE).Value);
    }
}
