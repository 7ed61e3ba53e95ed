using MgeConvert.Formats.TFLite.Schema;
using MgeConvert.Ir;
using TensorType = MgeConvert.Formats.TFLite.Schema.TensorType;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Formats.TFLite;

internal sealed partial class TFLiteLowering
{
    /// <summary>
    /// The layout an axis-parameterized op runs in: channels-last when its 4-D input lives there, so the op
    /// only needs its axes remapped.
    /// </summary>
    private Layout AxisOpLayout(Value x) =>
        !x.IsConstant && x.Shape.Rank == 4 && NativeLayout(x) == Layout.Nhwc ? Layout.Nhwc : Layout.Ir;

    private void LowerReshape(Node node)
    {
        var x = node.Input(0);
        var lowered = x.IsConstant ? null : _values[x];
        TFLiteTensor input;
        if (lowered is { Ir: null, Nhwc: { } channelsLast } && FeedsOnlyFullyConnected(node, x))
        {
            // Flattened in H, W, C order; the fully connected weights are permuted to match.
            Reshape(channelsLast, Output(node.Output, Layout.Ir));
            _channelsLastRows[node.Output] = (x.Shape[1], x.Shape[2], x.Shape[3]);
            return;
        }

        if (lowered is { Ir: null, Nhwc: { } shuffled } && TryChannelShuffle(node, x, shuffled))
        {
            return;
        }

        if (lowered is { Ir: null, Nhwc: { } nhwc } && NhwcLayout.IsMemoryOrderPreserving(x.Shape.ToArray(), NhwcLayout.ToNhwc))
        {
            // Only size-1 axes differ between the layouts: the channels-last bytes are already in IR order.
            input = nhwc;
        }
        else
        {
            input = Get(x, Layout.Ir);
        }

        Reshape(input, Output(node.Output, Layout.Ir));
    }

    /// <summary>
    /// The tensor itself, or a QUANTIZE of it to <paramref name="target"/>'s parameters: int8 CONCATENATION
    /// needs every input on the output's scale and zero point.
    /// </summary>
    private int Requantized(TFLiteTensor t, DataType target)
    {
        if (target.Quant is not { IsPerTensor: true } q || t.Quantization is not { } tq
            || (tq.Scales[0] == q.Scale && tq.ZeroPoints[0] == q.ZeroPoint))
        {
            return t.Index;
        }

        // Through float, as LowerCast requantizes: XNNPack's integer requantization can land a step off MegEngine's.
        var real = _b.AddTensor($"{t.Name}_real", TensorType.FLOAT32, t.Shape, signature: t.Signature);
        var requantized = _b.AddTensor($"{t.Name}_requantized", t.Type, t.Shape, new TFLiteQuantization([q.Scale], [q.ZeroPoint], 0));
        _b.AddOperator(BuiltinOperator.DEQUANTIZE, [t.Index], [real.Index]);
        _b.AddOperator(BuiltinOperator.QUANTIZE, [real.Index], [requantized.Index]);
        return requantized.Index;
    }

    /// <summary>
    /// Channel shuffle, Reshape (N,C,H,W)→(N,g,C/g,H,W), Transpose [0,2,1,3,4], Reshape back, on a
    /// channels-last value: done as the same shuffle of the last axis, so no layout transposes are needed.
    /// </summary>
    private bool TryChannelShuffle(Node split, Value x, TFLiteTensor input)
    {
        var grouped = split.Output;
        if (x.Shape.Rank != 4 || !x.Shape.IsStatic || grouped.Shape.Rank != 5 || !grouped.Shape.IsStatic
            || grouped.Shape[0] != x.Shape[0] || grouped.Shape[1] * grouped.Shape[2] != x.Shape[1]
            || grouped.Shape[3] != x.Shape[2] || grouped.Shape[4] != x.Shape[3]
            || SoleReader(grouped) is not { Op: Transpose t } swap || !t.Perm.SequenceEqual([0L, 2, 1, 3, 4])
            || SoleReader(swap.Output) is not { Op: Ir.Ops.Reshape } merge || !merge.Output.Shape.Equals(x.Shape))
        {
            return false;
        }

        int n = (int)x.Shape[0], h = (int)x.Shape[2], w = (int)x.Shape[3], g = (int)grouped.Shape[1], k = (int)grouped.Shape[2];
        var split5 = Temp($"{split.Name}_groups", input, [n, h, w, g, k]);
        Reshape(input, split5);
        var swapped = Temp($"{swap.Name}_swapped", input, [n, h, w, k, g]);
        _b.AddOperator(BuiltinOperator.TRANSPOSE, [split5.Index, _b.AddInt32Vector($"{swap.Name}_perm", 0, 1, 2, 4, 3).Index], [swapped.Index]);
        var output = Output(merge.Output, Layout.Nhwc);
        Reshape(swapped, output);
        _fused.Add(swap);
        _fused.Add(merge);
        return true;
    }

    private Node? SoleReader(Value v) =>
        !_graphOutputs.Contains(v) && _consumers.TryGetValue(v, out var readers) && readers.Count == 1 ? readers[0] : null;

    /// <summary>A flatten of a 4-D value to (N, C·H·W) read only as the data input of FULLY_CONNECTED ops.</summary>
    private bool FeedsOnlyFullyConnected(Node node, Value x)
    {
        var y = node.Output;
        return x.Shape.Rank == 4 && y.Shape.Rank == 2 && y.Shape[0] == x.Shape[0] && x.Shape.IsStatic && !_graphOutputs.Contains(y)
            && _consumers.TryGetValue(y, out var readers)
            && readers.All(r => r.Inputs[0] == y && r.Inputs.Count(i => i == y) == 1
                && (r.Op is Gemm { TransA: false } && r.Input(1).IsConstant
                    || r.Op is Ir.Ops.MatMul && r.Input(1) is { IsConstant: true, Shape.Rank: 2 }));
    }

    private void LowerTranspose(Node node, Transpose t)
    {
        var x = node.Input(0);
        var layout = AxisOpLayout(x);
        var input = Get(x, layout);
        var perm = t.Perm.Select(p => (int)p).ToArray();
        if (layout == Layout.Nhwc)
        {
            perm = [.. perm.Select(p => NhwcLayout.Axis(p))];
        }

        if (perm.SequenceEqual(Enumerable.Range(0, perm.Length)))
        {
            _values[node.Output] = new Lowered(Layout.Ir, input, null, false);
            return;
        }

        var output = Output(node.Output, Layout.Ir);
        _b.AddOperator(BuiltinOperator.TRANSPOSE, [input.Index, _b.AddInt32Vector($"{node.Name}_perm", perm).Index], [output.Index]);
    }

    private void LowerConcat(Node node, Concat c)
    {
        var rank = node.Output.Shape.Rank;
        var layout = ChooseLayout(node.Inputs, rank);
        var inputs = node.Inputs.Select(v => Requantized(v!.IsConstant ? Constant(v, layout, rank) : Get(v, layout), node.Output.DType)).ToArray();
        var axis = MapAxis(c.Axis, rank, layout);
        var (act, result) = TakeActivation(node);
        EmitActivated(BuiltinOperator.CONCATENATION, inputs, result, node.Output, layout, act, BuiltinOptions.ConcatenationOptions,
            (fb, a) => ConcatenationOptions.CreateConcatenationOptions(fb, axis, a).Value);
    }

    private void LowerSplit(Node node, Split s)
    {
        var x = node.Input(0);
        var layout = AxisOpLayout(x);
        var input = Get(x, layout);
        var axis = MapAxis(s.Axis, x.Shape.Rank, layout);
        var sizes = _b.AddInt32Vector($"{node.Name}_sizes", [.. s.Sizes.Select(v => (int)v)]);
        var axisTensor = _b.AddInt32Constant($"{node.Name}_axis", [], axis);
        var outputs = node.Outputs.Select(o => Output(o, layout).Index).ToArray();
        var count = s.Sizes.Length;
        _b.AddOperator(BuiltinOperator.SPLIT_V, [input.Index, sizes.Index, axisTensor.Index], outputs, BuiltinOptions.SplitVOptions,
            fb => SplitVOptions.CreateSplitVOptions(fb, count).Value);
    }

    private void LowerSlice(Node node, Slice s)
    {
        var x = node.Input(0);
        var rank = x.Shape.Rank;
        var begin = new int[rank];
        var end = x.Shape.Select(d => (int)d).ToArray();
        var strides = Enumerable.Repeat(1, rank).ToArray();
        var endMask = 0;
        for (var i = 0; i < s.Axes.Length; i++)
        {
            var axis = ShapeMath.Axis(s.Axes[i], rank);
            var (first, count) = Slice.Range(x.Shape[axis], s.Starts[i], s.Ends[i], s.Steps[i]);
            begin[axis] = (int)first;
            strides[axis] = (int)s.Steps[i];
            end[axis] = (int)(first + (count * s.Steps[i]));
            if (end[axis] < 0)
            {
                endMask |= 1 << axis;
            }
        }

        var layout = AxisOpLayout(x);
        var input = Get(x, layout);
        if (layout == Layout.Nhwc)
        {
            begin = InLayout(begin, layout);
            end = InLayout(end, layout);
            strides = InLayout(strides, layout);
            var mask = 0;
            for (var i = 0; i < 4; i++)
            {
                mask |= ((endMask >> NhwcLayout.ToNhwc[i]) & 1) << i;
            }

            endMask = mask;
        }

        var output = Output(node.Output, layout);
        var m = endMask;
        _b.AddOperator(BuiltinOperator.STRIDED_SLICE,
            [input.Index, _b.AddInt32Vector($"{node.Name}_begin", begin).Index, _b.AddInt32Vector($"{node.Name}_end", end).Index,
                _b.AddInt32Vector($"{node.Name}_strides", strides).Index],
            [output.Index], BuiltinOptions.StridedSliceOptions, fb => StridedSliceOptions.CreateStridedSliceOptions(fb, end_mask: m).Value);
    }

    private void LowerGather(Node node, Gather g)
    {
        var x = node.Input(0);
        var indices = node.Input(1);
        var layout = indices.Shape.Rank == 1 ? AxisOpLayout(x) : Layout.Ir;
        var input = Get(x, layout);
        var axis = MapAxis(g.Axis, x.Shape.Rank, layout);
        TFLiteTensor idx;
        if (indices.IsConstant)
        {
            var dim = x.Shape[ShapeMath.Axis(g.Axis, x.Shape.Rank)];
            var values = indices.Constant!.ToInt64s().Select(v => (int)(v < 0 ? v + dim : v)).ToArray();
            idx = _b.AddInt32Constant(indices.Name, IrShape(indices.Shape), values);
        }
        else
        {
            idx = Get(indices, Layout.Ir);
        }

        var output = Output(node.Output, layout);
        _b.AddOperator(BuiltinOperator.GATHER, [input.Index, idx.Index], [output.Index], BuiltinOptions.GatherOptions,
            fb => GatherOptions.CreateGatherOptions(fb, axis).Value);
    }

    private void LowerPad(Node node, Pad p)
    {
        var x = node.Input(0);
        var rank = x.Shape.Rank;
        if (p.Pads.Any(v => v < 0))
        {
            throw new NotExpressibleException("negative pads");
        }

        var layout = AxisOpLayout(x);
        var begin = InLayout(p.Pads.Take(rank).Select(v => (int)v).ToArray(), layout);
        var end = InLayout(p.Pads.Skip(rank).Select(v => (int)v).ToArray(), layout);
        var paddings = new int[rank * 2];
        for (var i = 0; i < rank; i++)
        {
            paddings[2 * i] = begin[i];
            paddings[(2 * i) + 1] = end[i];
        }

        var input = Get(x, layout);
        var padTensor = _b.AddInt32Constant($"{node.Name}_paddings", [rank, 2], paddings);
        var output = Output(node.Output, layout);
        switch (p.Mode)
        {
            case PadMode.Constant when p.ConstantValue == 0f:
                _b.AddOperator(BuiltinOperator.PAD, [input.Index, padTensor.Index], [output.Index]);
                break;
            case PadMode.Constant:
                RequireFloat(x, "Pad with a non-zero value");
                _b.AddOperator(BuiltinOperator.PADV2, [input.Index, padTensor.Index, Scalar($"{node.Name}_value", p.ConstantValue).Index], [output.Index]);
                break;
            case PadMode.Reflect:
                _b.AddOperator(BuiltinOperator.MIRROR_PAD, [input.Index, padTensor.Index], [output.Index], BuiltinOptions.MirrorPadOptions,
                    fb => MirrorPadOptions.CreateMirrorPadOptions(fb, MirrorPadMode.REFLECT).Value);
                break;
            case PadMode.Edge when p.Pads.All(v => v <= 1):
                // With at most one element, repeating the edge equals mirroring it (SYMMETRIC).
                _b.AddOperator(BuiltinOperator.MIRROR_PAD, [input.Index, padTensor.Index], [output.Index], BuiltinOptions.MirrorPadOptions,
                    fb => MirrorPadOptions.CreateMirrorPadOptions(fb, MirrorPadMode.SYMMETRIC).Value);
                break;
            case PadMode.Edge:
                EdgePad(input, output, begin, end, node.Name);
                break;
            default:
                throw new NotExpressibleException($"pad mode {p.Mode}");
        }
    }

    /// <summary>Edge padding, axis by axis: the first/last slice repeated (TILE) and concatenated around the data.</summary>
    private void EdgePad(TFLiteTensor input, TFLiteTensor output, int[] begin, int[] end, string name)
    {
        var rank = input.Shape.Length;
        var axes = Enumerable.Range(0, rank).Where(a => begin[a] > 0 || end[a] > 0).ToArray();
        var current = input;
        foreach (var axis in axes)
        {
            var shape = current.Shape.ToArray();
            shape[axis] += begin[axis] + end[axis];
            var target = axis == axes[^1] ? output : Temp($"{name}_edge{axis}", current, shape);
            var pieces = new List<int>();
            if (begin[axis] > 0)
            {
                pieces.Add(EdgeBlock(current, axis, 0, begin[axis], $"{name}_before{axis}"));
            }

            pieces.Add(current.Index);
            if (end[axis] > 0)
            {
                pieces.Add(EdgeBlock(current, axis, current.Shape[axis] - 1, end[axis], $"{name}_after{axis}"));
            }

            var a = axis;
            _b.AddOperator(BuiltinOperator.CONCATENATION, [.. pieces], [target.Index], BuiltinOptions.ConcatenationOptions,
                fb => ConcatenationOptions.CreateConcatenationOptions(fb, a).Value);
            current = target;
        }
    }

    private int EdgeBlock(TFLiteTensor source, int axis, int index, int count, string name)
    {
        var rank = source.Shape.Length;
        var begin = new int[rank];
        var end = source.Shape.ToArray();
        begin[axis] = index;
        end[axis] = index + 1;
        var sliceShape = source.Shape.ToArray();
        sliceShape[axis] = 1;
        var slice = Temp($"{name}_slice", source, sliceShape);
        _b.AddOperator(BuiltinOperator.STRIDED_SLICE,
            [source.Index, _b.AddInt32Vector($"{name}_begin", begin).Index, _b.AddInt32Vector($"{name}_end", end).Index,
                _b.AddInt32Vector($"{name}_strides", [.. Enumerable.Repeat(1, rank)]).Index],
            [slice.Index], BuiltinOptions.StridedSliceOptions, fb => StridedSliceOptions.CreateStridedSliceOptions(fb).Value);
        if (count == 1)
        {
            return slice.Index;
        }

        var multiples = Enumerable.Repeat(1, rank).ToArray();
        multiples[axis] = count;
        var tiledShape = sliceShape.ToArray();
        tiledShape[axis] = count;
        var tiled = Temp($"{name}_tiled", source, tiledShape);
        _b.AddOperator(BuiltinOperator.TILE, [slice.Index, _b.AddInt32Vector($"{name}_multiples", multiples).Index], [tiled.Index]);
        return tiled.Index;
    }

    private void LowerTile(Node node, Tile t)
    {
        var x = node.Input(0);
        var layout = AxisOpLayout(x);
        var input = Get(x, layout);
        var multiples = InLayout(t.Repeats.Select(v => (int)v).ToArray(), layout);
        var output = Output(node.Output, layout);
        _b.AddOperator(BuiltinOperator.TILE, [input.Index, _b.AddInt32Vector($"{node.Name}_multiples", multiples).Index], [output.Index]);
    }

    private void LowerExpand(Node node, Expand e)
    {
        var x = node.Input(0);
        var layout = x.Shape.Rank == node.Output.Shape.Rank ? AxisOpLayout(x) : Layout.Ir;
        var input = Get(x, layout);
        var output = Output(node.Output, layout);
        _b.AddOperator(BuiltinOperator.BROADCAST_TO, [input.Index, _b.AddInt32Vector($"{node.Name}_shape", output.Shape).Index], [output.Index]);
    }

    private void LowerResize(Node node, Resize r)
    {
        var x = node.Input(0);
        if (x.Shape.Rank != 4 || r.Sizes[0] != x.Shape[0] || r.Sizes[1] != x.Shape[1])
        {
            throw new NotExpressibleException("only 2-D spatial resizing of a 4-D input");
        }

        bool alignCorners = r.Coordinates == CoordinateTransform.AlignCorners;
        bool halfPixel;
        BuiltinOperator code;
        if (r.Mode == ResizeMode.Linear)
        {
            code = BuiltinOperator.RESIZE_BILINEAR;
            halfPixel = r.Coordinates is CoordinateTransform.HalfPixel or CoordinateTransform.PytorchHalfPixel;
            if (r.Coordinates == CoordinateTransform.PytorchHalfPixel && (r.Sizes[2] == 1 || r.Sizes[3] == 1))
            {
                throw new NotExpressibleException("pytorch_half_pixel resizing to a size of 1");
            }

            if (r.Coordinates == CoordinateTransform.TfHalfPixelForNearest)
            {
                throw new NotExpressibleException("linear resize with tf_half_pixel_for_nearest");
            }
        }
        else if (r.Mode == ResizeMode.Nearest)
        {
            code = BuiltinOperator.RESIZE_NEAREST_NEIGHBOR;
            var upsampleInteger = r.Sizes[2] % x.Shape[2] == 0 && r.Sizes[3] % x.Shape[3] == 0;
            (halfPixel, var ok) = (r.Coordinates, r.Rounding) switch
            {
                (CoordinateTransform.Asymmetric, NearestRounding.Floor) => (false, true),
                (CoordinateTransform.TfHalfPixelForNearest, NearestRounding.Floor) => (true, true),
                (CoordinateTransform.HalfPixel or CoordinateTransform.PytorchHalfPixel, NearestRounding.RoundPreferCeil) => (true, true),
                (CoordinateTransform.HalfPixel or CoordinateTransform.PytorchHalfPixel, _) => (true, upsampleInteger),
                (CoordinateTransform.Asymmetric, _) => (false, upsampleInteger),
                _ => (false, false),
            };
            if (!ok)
            {
                throw new NotExpressibleException($"nearest resize with {r.Coordinates}/{r.Rounding}");
            }
        }
        else
        {
            throw new NotExpressibleException($"{r.Mode} resize");
        }

        var input = Get(x, Layout.Nhwc);
        var size = _b.AddInt32Vector($"{node.Name}_size", (int)r.Sizes[2], (int)r.Sizes[3]);
        var output = Output(node.Output, Layout.Nhwc);
        var hp = halfPixel;
        if (code == BuiltinOperator.RESIZE_BILINEAR)
        {
            _b.AddOperator(code, [input.Index, size.Index], [output.Index], BuiltinOptions.ResizeBilinearOptions,
                fb => ResizeBilinearOptions.CreateResizeBilinearOptions(fb, alignCorners, hp).Value);
        }
        else
        {
            _b.AddOperator(code, [input.Index, size.Index], [output.Index], BuiltinOptions.ResizeNearestNeighborOptions,
                fb => ResizeNearestNeighborOptions.CreateResizeNearestNeighborOptions(fb, alignCorners, hp).Value);
        }
    }
}
