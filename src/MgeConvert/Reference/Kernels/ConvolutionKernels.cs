using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Reference.Kernels;

/// <summary>
/// Direct N-d convolution and transposed convolution (1-D and 2-D run as 3-D with unit leading axes),
/// accumulated in double.
/// </summary>
internal static class ConvolutionKernels
{
    public static void Register(KernelTable table)
    {
        table.Add<Conv>(Conv);
        table.Add<ConvTranspose>(ConvTranspose);
    }

    /// <summary>Window geometry padded to three spatial axes.</summary>
    private sealed record Geometry(long[] Input, long[] Kernel, long[] Strides, long[] PadBegin, long[] PadEnd, long[] Dilations)
    {
        public static Geometry Of(long[] xDims, long[] wDims, long[] strides, long[] pads, long[] dilations)
        {
            var n = strides.Length;
            long[] Pad3(Func<int, long> value, long fill)
            {
                var result = new long[3];
                for (var i = 0; i < 3; i++)
                {
                    result[i] = i < 3 - n ? fill : value(i - (3 - n));
                }

                return result;
            }

            return new Geometry(
                Pad3(i => xDims[i + 2], 1),
                Pad3(i => wDims[i + 2], 1),
                Pad3(i => strides[i], 1),
                Pad3(i => pads[i], 0),
                Pad3(i => pads[i + n], 0),
                Pad3(i => dilations[i], 1));
        }
    }

    private static Tensor[] Conv(Conv op, KernelContext context)
    {
        var x = context.Input(0);
        var w = context.Input(1);
        var xDims = x.Shape.ToArray();
        var wDims = w.Shape.ToArray();
        var geometry = Geometry.Of(xDims, wDims, op.Strides, op.Pads, op.Dilations);
        var outSpatial = new long[3];
        for (var i = 0; i < 3; i++)
        {
            outSpatial[i] = ShapeMath.WindowOutput(geometry.Input[i], geometry.Kernel[i], geometry.Strides[i],
                geometry.PadBegin[i], geometry.PadEnd[i], geometry.Dilations[i]);
        }

        var batch = (int)xDims[0];
        var inChannels = (int)xDims[1];
        var outChannels = (int)wDims[0];
        var group = (int)op.Group;
        var groupIn = inChannels / group;
        var groupOut = outChannels / group;
        if (groupIn != wDims[1] || outChannels % group != 0)
        {
            throw new IrException($"node {context.NodeName}: input {x.Shape}, weight {w.Shape} and group {group} do not fit");
        }

        var xv = TensorValues.Reals(x);
        var wv = TensorValues.Reals(w);
        var bias = context.Optional(2) is { } b ? TensorValues.Reals(b) : null;
        var (id, ih, iw) = ((int)geometry.Input[0], (int)geometry.Input[1], (int)geometry.Input[2]);
        var (kd, kh, kw) = ((int)geometry.Kernel[0], (int)geometry.Kernel[1], (int)geometry.Kernel[2]);
        var (od, oh, ow) = ((int)outSpatial[0], (int)outSpatial[1], (int)outSpatial[2]);
        var result = new double[batch * outChannels * od * oh * ow];
        var o = 0;
        for (var n = 0; n < batch; n++)
        {
            for (var oc = 0; oc < outChannels; oc++)
            {
                var g = oc / groupOut;
                for (var z = 0; z < od; z++)
                {
                    for (var y = 0; y < oh; y++)
                    {
                        for (var xx = 0; xx < ow; xx++)
                        {
                            double sum = bias?[oc] ?? 0;
                            for (var ic = 0; ic < groupIn; ic++)
                            {
                                var xBase = ((n * inChannels) + (g * groupIn) + ic) * id;
                                var wBase = ((oc * groupIn) + ic) * kd;
                                for (var a = 0; a < kd; a++)
                                {
                                    var pz = (z * geometry.Strides[0]) - geometry.PadBegin[0] + (a * geometry.Dilations[0]);
                                    if (pz < 0 || pz >= id)
                                    {
                                        continue;
                                    }

                                    for (var c = 0; c < kh; c++)
                                    {
                                        var py = (y * geometry.Strides[1]) - geometry.PadBegin[1] + (c * geometry.Dilations[1]);
                                        if (py < 0 || py >= ih)
                                        {
                                            continue;
                                        }

                                        for (var e = 0; e < kw; e++)
                                        {
                                            var px = (xx * geometry.Strides[2]) - geometry.PadBegin[2] + (e * geometry.Dilations[2]);
                                            if (px < 0 || px >= iw)
                                            {
                                                continue;
                                            }

                                            sum += xv[((((xBase + pz) * ih) + py) * iw) + px] * wv[((((wBase + a) * kh) + c) * kw) + e];
                                        }
                                    }
                                }
                            }

                            result[o++] = Activation.Apply(op.Activation, TensorValues.RoundTo(ElementType.Float32, sum));
                        }
                    }
                }
            }
        }

        var dims = new long[xDims.Length];
        dims[0] = batch;
        dims[1] = outChannels;
        Array.Copy(outSpatial, 3 - op.SpatialRank, dims, 2, op.SpatialRank);
        return [context.Reals(dims, result)];
    }

    private static Tensor[] ConvTranspose(ConvTranspose op, KernelContext context)
    {
        var x = context.Input(0);
        var w = context.Input(1);
        var xDims = x.Shape.ToArray();
        var wDims = w.Shape.ToArray();
        var geometry = Geometry.Of(xDims, wDims, op.Strides, op.Pads, op.Dilations);
        var n0 = 3 - op.SpatialRank;
        var outSpatial = new long[3];
        for (var i = 0; i < 3; i++)
        {
            var extra = i < n0 || op.OutputPadding is null ? 0 : op.OutputPadding[i - n0];
            outSpatial[i] = ((geometry.Input[i] - 1) * geometry.Strides[i]) - geometry.PadBegin[i] - geometry.PadEnd[i]
                + (geometry.Dilations[i] * (geometry.Kernel[i] - 1)) + extra + 1;
        }

        var batch = (int)xDims[0];
        var inChannels = (int)xDims[1];
        var group = (int)op.Group;
        var groupIn = inChannels / group;
        var groupOut = (int)wDims[1];
        var outChannels = groupOut * group;
        if (wDims[0] != inChannels || inChannels % group != 0)
        {
            throw new IrException($"node {context.NodeName}: input {x.Shape}, weight {w.Shape} and group {group} do not fit");
        }

        var xv = TensorValues.Reals(x);
        var wv = TensorValues.Reals(w);
        var (id, ih, iw) = ((int)geometry.Input[0], (int)geometry.Input[1], (int)geometry.Input[2]);
        var (kd, kh, kw) = ((int)geometry.Kernel[0], (int)geometry.Kernel[1], (int)geometry.Kernel[2]);
        var (od, oh, ow) = ((int)outSpatial[0], (int)outSpatial[1], (int)outSpatial[2]);
        var result = new double[batch * outChannels * od * oh * ow];
        for (var n = 0; n < batch; n++)
        {
            for (var ic = 0; ic < inChannels; ic++)
            {
                var g = ic / groupIn;
                for (var z = 0; z < id; z++)
                {
                    for (var y = 0; y < ih; y++)
                    {
                        for (var xx = 0; xx < iw; xx++)
                        {
                            var value = xv[((((((n * inChannels) + ic) * id) + z) * ih) + y) * iw + xx];
                            for (var oc = 0; oc < groupOut; oc++)
                            {
                                var outBase = ((n * outChannels) + (g * groupOut) + oc) * od;
                                var wBase = ((ic * groupOut) + oc) * kd;
                                for (var a = 0; a < kd; a++)
                                {
                                    var pz = (z * geometry.Strides[0]) - geometry.PadBegin[0] + (a * geometry.Dilations[0]);
                                    if (pz < 0 || pz >= od)
                                    {
                                        continue;
                                    }

                                    for (var c = 0; c < kh; c++)
                                    {
                                        var py = (y * geometry.Strides[1]) - geometry.PadBegin[1] + (c * geometry.Dilations[1]);
                                        if (py < 0 || py >= oh)
                                        {
                                            continue;
                                        }

                                        for (var e = 0; e < kw; e++)
                                        {
                                            var px = (xx * geometry.Strides[2]) - geometry.PadBegin[2] + (e * geometry.Dilations[2]);
                                            if (px < 0 || px >= ow)
                                            {
                                                continue;
                                            }

                                            result[((((outBase + pz) * oh) + py) * ow) + px] += value * wv[((((wBase + a) * kh) + c) * kw) + e];
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }

        var bias = context.Optional(2) is { } b ? TensorValues.Reals(b) : null;
        var plane = od * oh * ow;
        for (var i = 0; i < result.Length; i++)
        {
            var sum = result[i] + (bias?[i / plane % outChannels] ?? 0);
            result[i] = Activation.Apply(op.Activation, TensorValues.RoundTo(ElementType.Float32, sum));
        }

        var dims = new long[xDims.Length];
        dims[0] = batch;
        dims[1] = outChannels;
        Array.Copy(outSpatial, n0, dims, 2, op.SpatialRank);
        return [context.Reals(dims, result)];
    }
}
