using MgeConvert.Formats.Caffe.Proto;
using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Formats.Caffe;

/// <summary>Convolution, deconvolution and pooling.</summary>
internal sealed partial class CaffeLowering
{
    private void LowerConv(Node node, Conv conv)
    {
        Require2D(conv.SpatialRank);
        var x = node.Input(0);
        if (x.Producer is { Op: Pad pad } padNode && _foldedPads.Contains(padNode))
        {
            conv = conv with { Pads = [conv.Pads[0] + pad.Pads[2], conv.Pads[1] + pad.Pads[3], conv.Pads[2] + pad.Pads[6], conv.Pads[3] + pad.Pads[7]] };
            x = padNode.Input(0);
        }

        var w = node.Input(1);
        var weightShape = StaticShape(w);
        var weightTensor = ConstantTensor(node, 1, "convolution weight")!;
        var bias = Constant(node, 2, "convolution bias");
        var outChannels = weightShape[0];
        FillValues weights = target => RealSpan(weightTensor).CopyTo(target);
        if (_foldedBatchNorms.TryGetValue(node, out var bn))
        {
            weights = target =>
            {
                RealSpan(weightTensor).CopyTo(target);
                FoldIntoWeights(bn, target, outChannels);
            };
            bias = FoldedBias(bn, bias, outChannels);
        }

        var param = new ConvolutionParameter
        {
            NumOutput = (uint)outChannels,
            BiasTerm = bias.Length > 0,
            KernelH = (uint)weightShape[2],
            KernelW = (uint)weightShape[3],
            StrideH = (uint)conv.Strides[0],
            StrideW = (uint)conv.Strides[1],
            PadH = (uint)conv.Pads[0],
            PadW = (uint)conv.Pads[1],
            Group = (uint)conv.Group,
        };
        AddDilation(param, conv.Dilations);
        var output = FinalOutput(node);
        var caffeShape = CaffeWindowShape(StaticShape(x), outChannels, weightShape[2..], conv.Strides, conv.Pads, conv.Dilations, ceil: false);
        var top = NeedsCrop(caffeShape, StaticShape(output)) ? TempBlob($"{output.Name}/uncropped") : Define(output);
        var layer = Main(node, "Convolution", [Blob(x)], [top]);
        layer.ConvolutionParam = param;
        layer.Blobs.Add(Weights(weights, weightShape));
        if (bias.Length > 0)
        {
            layer.Blobs.Add(Weights(bias, outChannels));
        }

        CropTrailing(node, top, caffeShape, output);
    }

    private void LowerDeconv(Node node, ConvTranspose deconv)
    {
        Require2D(deconv.SpatialRank);
        if (deconv.OutputPadding is { } extra && extra.Any(e => e != 0))
        {
            throw new NotExpressibleException("Caffe Deconvolution has no output padding");
        }

        if (deconv.Pads[0] != deconv.Pads[2] || deconv.Pads[1] != deconv.Pads[3])
        {
            throw new NotExpressibleException($"Caffe Deconvolution pads symmetrically, got pads [{string.Join(",", deconv.Pads)}]");
        }

        var weightShape = StaticShape(node.Input(1));
        var weightTensor = ConstantTensor(node, 1, "deconvolution weight")!;
        FillValues weights = target => RealSpan(weightTensor).CopyTo(target);
        if (deconv.Dilations.Any(d => d != 1))
        {
            // OpenCV ignores a Deconvolution's dilation; a kernel with the holes written out is the same op.
            var kernelShape = weightShape;
            weights = target => DilateKernel(RealSpan(weightTensor), target, kernelShape, deconv.Dilations);
            weightShape = DilatedShape(weightShape, deconv.Dilations);
        }

        var bias = Constant(node, 2, "deconvolution bias");
        var outChannels = weightShape[1] * deconv.Group;
        var param = new ConvolutionParameter
        {
            NumOutput = (uint)outChannels,
            BiasTerm = bias.Length > 0,
            KernelH = (uint)weightShape[2],
            KernelW = (uint)weightShape[3],
            StrideH = (uint)deconv.Strides[0],
            StrideW = (uint)deconv.Strides[1],
            PadH = (uint)deconv.Pads[0],
            PadW = (uint)deconv.Pads[1],
            Group = (uint)deconv.Group,
        };
        var layer = Main(node, "Deconvolution", [Blob(node.Input(0))], [Define(node.Output)]);
        layer.ConvolutionParam = param;
        layer.Blobs.Add(Weights(weights, weightShape));
        if (bias.Length > 0)
        {
            layer.Blobs.Add(Weights(bias, outChannels));
        }
    }

    private void LowerPool(Node node, Pool pool)
    {
        Require2D(pool.Kernel.Length);
        var x = node.Input(0);
        var inShape = StaticShape(x);
        var irShape = StaticShape(node.Output);

        // Caffe pads both sides by the begin pad and rounds the output size up; extra trailing windows are cropped.
        var caffeShape = CaffeWindowShape(inShape, inShape[1], pool.Kernel, pool.Strides, pool.Pads, [1, 1], ceil: true);
        if (caffeShape[2] < irShape[2] || caffeShape[3] < irShape[3])
        {
            throw new NotExpressibleException($"Caffe pooling with pads [{string.Join(",", pool.Pads)}] yields {string.Join("x", caffeShape[2..])}, fewer windows than the model's {string.Join("x", irShape[2..])}");
        }

        var correction = pool.Kind == PoolKind.Average ? AverageCorrection(pool, inShape, irShape) : null;
        var cropped = NeedsCrop(caffeShape, irShape);
        var top = cropped || correction is not null ? TempBlob($"{node.Output.Name}/pooled") : Define(node.Output);
        Main(node, "Pooling", [Blob(x)], [top]).PoolingParam = new PoolingParameter
        {
            Pool = pool.Kind == PoolKind.Max ? PoolingParameter.Types.PoolMethod.Max : PoolingParameter.Types.PoolMethod.Ave,
            KernelH = (uint)pool.Kernel[0],
            KernelW = (uint)pool.Kernel[1],
            StrideH = (uint)pool.Strides[0],
            StrideW = (uint)pool.Strides[1],
            PadH = (uint)pool.Pads[0],
            PadW = (uint)pool.Pads[1],
        };
        if (correction is null)
        {
            CropTrailing(node, top, caffeShape, node.Output);
            return;
        }

        var croppedTop = cropped ? TempBlob($"{node.Output.Name}/cropped") : top;
        if (cropped)
        {
            CropTrailing(node, top, caffeShape, croppedTop, irShape);
        }

        var scale = Extra(node, "divisor", "Scale", [croppedTop], [Define(node.Output)]);
        scale.ScaleParam = new ScaleParameter { Axis = 2, NumAxes = 2 };
        scale.Blobs.Add(Weights(correction, irShape[2], irShape[3]));
    }

    /// <summary>
    /// Caffe's AVE pooling divides by the window clipped to the padded input; the model may divide by the
    /// window clipped to the input (or to its own, possibly asymmetric, padding). Returns the per-position
    /// factor Caffe's result must be multiplied by, or null when Caffe already divides the same way.
    /// </summary>
    private static float[]? AverageCorrection(Pool pool, long[] inShape, long[] irShape)
    {
        var factors = new double[2][];
        for (var axis = 0; axis < 2; axis++)
        {
            var size = inShape[axis + 2];
            var k = pool.Kernel[axis];
            var s = pool.Strides[axis];
            var padBegin = pool.Pads[axis];
            var padEnd = pool.Pads[axis + 2];
            factors[axis] = new double[irShape[axis + 2]];
            for (var o = 0; o < factors[axis].Length; o++)
            {
                var start = (o * s) - padBegin;
                var caffe = Math.Min(start + k, size + padBegin) - start;
                var model = pool.CountIncludePad
                    ? Math.Min(start + k, size + padEnd) - start
                    : Math.Min(start + k, size) - Math.Max(start, 0);
                factors[axis][o] = (double)caffe / model;
            }
        }

        if (factors.All(f => f.All(v => v == 1)))
        {
            return null;
        }

        var result = new float[factors[0].Length * factors[1].Length];
        for (var h = 0; h < factors[0].Length; h++)
        {
            for (var w = 0; w < factors[1].Length; w++)
            {
                result[(h * factors[1].Length) + w] = (float)(factors[0][h] * factors[1][w]);
            }
        }

        return result;
    }

    private void LowerGlobalPool(Node node, PoolKind kind)
    {
        if (node.Input(0).Shape.Rank != 4)
        {
            throw new NotExpressibleException("Caffe global pooling needs a 4-D input");
        }

        Main(node, "Pooling", [Blob(node.Input(0))], [Define(node.Output)]).PoolingParam = new PoolingParameter
        {
            Pool = kind == PoolKind.Max ? PoolingParameter.Types.PoolMethod.Max : PoolingParameter.Types.PoolMethod.Ave,
            GlobalPooling = true,
        };
    }

    private void LowerAdaptivePool(Node node, AdaptivePool pool)
    {
        Require2D(pool.OutputSize.Length);
        var inShape = StaticShape(node.Input(0));
        if (pool.OutputSize.Select((o, i) => inShape[i + 2] % o).Any(r => r != 0))
        {
            throw new NotExpressibleException($"adaptive pooling of {string.Join("x", inShape[2..])} to {string.Join("x", pool.OutputSize)} has unequal windows");
        }

        var kernel = pool.OutputSize.Select((o, i) => inShape[i + 2] / o).ToArray();
        LowerPool(node, new Pool(pool.Kind, kernel, kernel, [0, 0, 0, 0]));
    }

    private static void Require2D(int spatialRank)
    {
        if (spatialRank != 2)
        {
            throw new NotExpressibleException($"only 2-D windows are supported for Caffe, got {spatialRank}-D");
        }
    }

    /// <summary>A 4-D kernel [a, b, kh, kw] spread to [a, b, (kh-1)·dh+1, (kw-1)·dw+1] with zeros between taps.</summary>
    private static void DilateKernel(ReadOnlySpan<float> weights, Span<float> result, long[] shape, long[] dilations)
    {
        var (kh, kw) = (shape[2], shape[3]);
        var (dh, dw) = (dilations[0], dilations[1]);
        var dilated = DilatedShape(shape, dilations);
        var (oh, ow) = (dilated[2], dilated[3]);
        var planes = shape[0] * shape[1];
        result.Clear();
        for (var p = 0L; p < planes; p++)
        {
            for (var y = 0L; y < kh; y++)
            {
                for (var x = 0L; x < kw; x++)
                {
                    result[(int)((p * oh * ow) + (y * dh * ow) + (x * dw))] = weights[(int)((p * kh * kw) + (y * kw) + x)];
                }
            }
        }
    }

    private static long[] DilatedShape(long[] shape, long[] dilations) =>
        [shape[0], shape[1], ((shape[2] - 1) * dilations[0]) + 1, ((shape[3] - 1) * dilations[1]) + 1];

    private static void AddDilation(ConvolutionParameter param, long[] dilations)
    {
        if (dilations.Any(d => d != 1))
        {
            param.Dilation.AddRange(dilations[0] == dilations[1] ? [(uint)dilations[0]] : dilations.Select(d => (uint)d));
        }
    }

    /// <summary>Output shape of a Caffe window layer that pads both sides with the begin pads.</summary>
    private static long[] CaffeWindowShape(long[] input, long channels, long[] kernel, long[] strides, long[] pads, long[] dilations, bool ceil)
    {
        var shape = new long[] { input[0], channels, 0, 0 };
        for (var i = 0; i < 2; i++)
        {
            var span = input[i + 2] + (2 * pads[i]) - ((dilations[i] * (kernel[i] - 1)) + 1);
            if (span < 0)
            {
                throw new NotExpressibleException("window larger than the padded input");
            }

            var n = (ceil ? (span + strides[i] - 1) / strides[i] : span / strides[i]) + 1;
            if (ceil && pads[i] > 0 && (n - 1) * strides[i] >= input[i + 2] + pads[i])
            {
                n--;
            }

            shape[i + 2] = n;
        }

        return shape;
    }

    private static bool NeedsCrop(long[] caffeShape, long[] irShape)
    {
        if (caffeShape[2] < irShape[2] || caffeShape[3] < irShape[3])
        {
            throw new NotExpressibleException($"Caffe computes {string.Join("x", caffeShape[2..])} outputs where the model has {string.Join("x", irShape[2..])} (asymmetric padding)");
        }

        return caffeShape[2] != irShape[2] || caffeShape[3] != irShape[3];
    }

    private void CropTrailing(Node node, string blob, long[] caffeShape, Value output)
    {
        if (NeedsCrop(caffeShape, StaticShape(output)))
        {
            CropTrailing(node, blob, caffeShape, Define(output), StaticShape(output));
        }
    }

    /// <summary>Drops trailing rows/columns with Slice layers; the cut-off parts go to a Silence layer.</summary>
    private void CropTrailing(Node node, string blob, long[] caffeShape, string top, long[] irShape)
    {
        var current = blob;
        var rest = new List<string>();
        for (var axis = 2; axis < 4; axis++)
        {
            if (caffeShape[axis] == irShape[axis])
            {
                continue;
            }

            var last = axis == 3 || caffeShape[3] == irShape[3];
            var kept = last ? top : TempBlob($"{top}/crop{axis}");
            var dropped = TempBlob($"{top}/cut{axis}");
            var slice = Extra(node, $"crop{axis}", "Slice", [current], [kept, dropped]);
            slice.SliceParam = new SliceParameter { Axis = axis };
            slice.SliceParam.SlicePoint.Add((uint)irShape[axis]);
            rest.Add(dropped);
            current = kept;
        }

        Extra(node, "silence", "Silence", rest, []);
    }
}
