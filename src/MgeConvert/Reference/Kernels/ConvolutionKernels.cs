using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Reference.Kernels;

/// <summary>
/// Direct N-d convolution and transposed convolution (1-D and 2-D run as 3-D with unit leading axes),
/// accumulated in double.
/// </summary>
internal static class ConvolutionKernels
{
    /// <summary>Output positions o in [0, count) with 0 ≤ o·stride + offset &lt; length, as [first, end).</summary>
    public static (int First, int End) ValidRange(int count, int stride, int offset, int length)
    {
        var first = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
        var end = length - 1 - offset < 0 ? 0 : Math.Min(count, ((length - 1 - offset) / stride) + 1);
        return (first, Math.Max(first, end));
    }

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
        var (sd, sh, sw) = ((int)geometry.Strides[0], (int)geometry.Strides[1], (int)geometry.Strides[2]);
        var outPlane = od * oh * ow;
        var result = new double[batch * outChannels * outPlane];
        for (var n = 0; n < batch; n++)
        {
            for (var oc = 0; oc < outChannels; oc++)
            {
                var g = oc / groupOut;
                var outBase = ((n * outChannels) + oc) * outPlane;
                result.AsSpan(outBase, outPlane).Fill(bias?[oc] ?? 0);
                for (var ic = 0; ic < groupIn; ic++)
                {
                    var inBase = ((n * inChannels) + (g * groupIn) + ic) * id * ih * iw;
                    for (var a = 0; a < kd; a++)
                    {
                        for (var c = 0; c < kh; c++)
                        {
                            for (var e = 0; e < kw; e++)
                            {
                                var weight = wv[((((((oc * groupIn) + ic) * kd) + a) * kh) + c) * kw + e];
                                var offZ = (int)((a * geometry.Dilations[0]) - geometry.PadBegin[0]);
                                var offY = (int)((c * geometry.Dilations[1]) - geometry.PadBegin[1]);
                                var offX = (int)((e * geometry.Dilations[2]) - geometry.PadBegin[2]);
                                var (x0, x1) = ValidRange(ow, sw, offX, iw);
                                for (var z = 0; z < od; z++)
                                {
                                    var pz = (z * sd) + offZ;
                                    if (pz < 0 || pz >= id)
                                    {
                                        continue;
                                    }

                                    for (var y = 0; y < oh; y++)
                                    {
                                        var py = (y * sh) + offY;
                                        if (py < 0 || py >= ih)
                                        {
                                            continue;
                                        }

                                        var inRow = inBase + (((pz * ih) + py) * iw) + offX;
                                        var outRow = outBase + (((z * oh) + y) * ow);
                                        for (var xx = x0; xx < x1; xx++)
                                        {
                                            result[outRow + xx] += weight * xv[inRow + (xx * sw)];
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }

        for (var i = 0; i < result.Length; i++)
        {
            result[i] = Activation.Apply(op.Activation, TensorValues.RoundTo(context.OutputType().Element, result[i]));
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
        var (sd, sh, sw) = ((int)geometry.Strides[0], (int)geometry.Strides[1], (int)geometry.Strides[2]);
        var result = new double[batch * outChannels * od * oh * ow];
        for (var n = 0; n < batch; n++)
        {
            for (var ic = 0; ic < inChannels; ic++)
            {
                var g = ic / groupIn;
                var inBase = ((n * inChannels) + ic) * id * ih * iw;
                for (var oc = 0; oc < groupOut; oc++)
                {
                    var outBase = ((n * outChannels) + (g * groupOut) + oc) * od * oh * ow;
                    for (var a = 0; a < kd; a++)
                    {
                        for (var c = 0; c < kh; c++)
                        {
                            for (var e = 0; e < kw; e++)
                            {
                                var weight = wv[((((((ic * groupOut) + oc) * kd) + a) * kh) + c) * kw + e];
                                var offZ = (int)((a * geometry.Dilations[0]) - geometry.PadBegin[0]);
                                var offY = (int)((c * geometry.Dilations[1]) - geometry.PadBegin[1]);
                                var offX = (int)((e * geometry.Dilations[2]) - geometry.PadBegin[2]);
                                var (x0, x1) = ValidRange(iw, sw, offX, ow);
                                for (var z = 0; z < id; z++)
                                {
                                    var pz = (z * sd) + offZ;
                                    if (pz < 0 || pz >= od)
                                    {
                                        continue;
                                    }

                                    for (var y = 0; y < ih; y++)
                                    {
                                        var py = (y * sh) + offY;
                                        if (py < 0 || py >= oh)
                                        {
                                            continue;
                                        }

                                        var inRow = inBase + (((z * ih) + y) * iw);
                                        var outRow = outBase + (((pz * oh) + py) * ow) + offX;
                                        for (var xx = x0; xx < x1; xx++)
                                        {
                                            result[outRow + (xx * sw)] += weight * xv[inRow + xx];
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
            result[i] = Activation.Apply(op.Activation, TensorValues.RoundTo(context.OutputType().Element, sum));
        }

        var dims = new long[xDims.Length];
        dims[0] = batch;
        dims[1] = outChannels;
        Array.Copy(outSpatial, n0, dims, 2, op.SpatialRank);
        return [context.Reals(dims, result)];
    }
}
