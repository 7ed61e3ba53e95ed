namespace MgeConvert.Tests.Caffe;

/// <summary>A dense float tensor in C order, for reference results computed with plain loops.</summary>
internal sealed record Nd(float[] Data, int[] Shape)
{
    public static Nd Random(int seed, params int[] shape)
    {
        var random = new Random(seed);
        var data = new float[shape.Aggregate(1, (a, b) => a * b)];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return new Nd(data, shape);
    }

    public long[] LongShape => Array.ConvertAll(Shape, d => (long)d);

    public int Size => Data.Length;
}

/// <summary>Straightforward implementations of the ops the Caffe tests convert.</summary>
internal static class Reference
{
    public static Nd Conv2d(Nd x, Nd w, float[]? bias, int[] strides, int[] pads, int[] dilations, int group)
    {
        int n = x.Shape[0], c = x.Shape[1], h = x.Shape[2], wd = x.Shape[3];
        int o = w.Shape[0], cg = w.Shape[1], kh = w.Shape[2], kw = w.Shape[3];
        var oh = ((h + pads[0] + pads[2] - (dilations[0] * (kh - 1)) - 1) / strides[0]) + 1;
        var ow = ((wd + pads[1] + pads[3] - (dilations[1] * (kw - 1)) - 1) / strides[1]) + 1;
        var y = new float[n * o * oh * ow];
        var og = o / group;
        for (var b = 0; b < n; b++)
        {
            for (var oc = 0; oc < o; oc++)
            {
                var g = oc / og;
                for (var i = 0; i < oh; i++)
                {
                    for (var j = 0; j < ow; j++)
                    {
                        double sum = bias?[oc] ?? 0;
                        for (var ic = 0; ic < cg; ic++)
                        {
                            for (var u = 0; u < kh; u++)
                            {
                                for (var v = 0; v < kw; v++)
                                {
                                    var yy = (i * strides[0]) - pads[0] + (u * dilations[0]);
                                    var xx = (j * strides[1]) - pads[1] + (v * dilations[1]);
                                    if (yy < 0 || yy >= h || xx < 0 || xx >= wd)
                                    {
                                        continue;
                                    }

                                    sum += x.Data[(((b * c) + (g * cg) + ic) * h * wd) + (yy * wd) + xx]
                                        * w.Data[(((oc * cg) + ic) * kh * kw) + (u * kw) + v];
                                }
                            }
                        }

                        y[(((b * o) + oc) * oh * ow) + (i * ow) + j] = (float)sum;
                    }
                }
            }
        }

        return new Nd(y, [n, o, oh, ow]);
    }

    /// <summary>Transposed convolution; weight (C, O/group, kh, kw), symmetric pads (ph, pw).</summary>
    public static Nd Deconv2d(Nd x, Nd w, float[]? bias, int[] strides, int[] pads, int group)
    {
        int n = x.Shape[0], c = x.Shape[1], h = x.Shape[2], wd = x.Shape[3];
        int og = w.Shape[1], kh = w.Shape[2], kw = w.Shape[3];
        var o = og * group;
        var cg = c / group;
        var oh = ((h - 1) * strides[0]) - (2 * pads[0]) + kh;
        var ow = ((wd - 1) * strides[1]) - (2 * pads[1]) + kw;
        var y = new double[n * o * oh * ow];
        for (var b = 0; b < n; b++)
        {
            for (var ic = 0; ic < c; ic++)
            {
                var g = ic / cg;
                for (var i = 0; i < h; i++)
                {
                    for (var j = 0; j < wd; j++)
                    {
                        var xv = x.Data[(((b * c) + ic) * h * wd) + (i * wd) + j];
                        for (var k = 0; k < og; k++)
                        {
                            for (var u = 0; u < kh; u++)
                            {
                                for (var v = 0; v < kw; v++)
                                {
                                    var yy = (i * strides[0]) - pads[0] + u;
                                    var xx = (j * strides[1]) - pads[1] + v;
                                    if (yy < 0 || yy >= oh || xx < 0 || xx >= ow)
                                    {
                                        continue;
                                    }

                                    var oc = (g * og) + k;
                                    y[(((b * o) + oc) * oh * ow) + (yy * ow) + xx] += xv * w.Data[(((ic * og) + k) * kh * kw) + (u * kw) + v];
                                }
                            }
                        }
                    }
                }
            }
        }

        var result = new float[y.Length];
        for (var i = 0; i < y.Length; i++)
        {
            result[i] = (float)(y[i] + (bias?[i / (oh * ow) % o] ?? 0));
        }

        return new Nd(result, [n, o, oh, ow]);
    }

    /// <summary>Pooling with floor rounding; pads (hb, wb, he, we).</summary>
    public static Nd Pool2d(Nd x, bool max, int[] kernel, int[] strides, int[] pads, bool countIncludePad)
    {
        int n = x.Shape[0], c = x.Shape[1], h = x.Shape[2], wd = x.Shape[3];
        var oh = ((h + pads[0] + pads[2] - kernel[0]) / strides[0]) + 1;
        var ow = ((wd + pads[1] + pads[3] - kernel[1]) / strides[1]) + 1;
        var y = new float[n * c * oh * ow];
        for (var p = 0; p < n * c; p++)
        {
            for (var i = 0; i < oh; i++)
            {
                for (var j = 0; j < ow; j++)
                {
                    var hs = (i * strides[0]) - pads[0];
                    var ws = (j * strides[1]) - pads[1];
                    double acc = max ? double.NegativeInfinity : 0;
                    var count = 0;
                    for (var yy = Math.Max(hs, 0); yy < Math.Min(hs + kernel[0], h); yy++)
                    {
                        for (var xx = Math.Max(ws, 0); xx < Math.Min(ws + kernel[1], wd); xx++)
                        {
                            var v = x.Data[(p * h * wd) + (yy * wd) + xx];
                            acc = max ? Math.Max(acc, v) : acc + v;
                            count++;
                        }
                    }

                    if (!max)
                    {
                        var divisor = countIncludePad
                            ? (Math.Min(hs + kernel[0], h + pads[2]) - hs) * (Math.Min(ws + kernel[1], wd + pads[3]) - ws)
                            : count;
                        acc /= divisor;
                    }

                    y[(p * oh * ow) + (i * ow) + j] = (float)acc;
                }
            }
        }

        return new Nd(y, [n, c, oh, ow]);
    }

    /// <summary>x (M, K) · wᵀ with w (N, K), plus bias (N).</summary>
    public static Nd Linear(Nd x, Nd w, float[]? bias)
    {
        int m = x.Shape[0], k = x.Shape[1], n = w.Shape[0];
        var y = new float[m * n];
        for (var i = 0; i < m; i++)
        {
            for (var j = 0; j < n; j++)
            {
                double sum = bias?[j] ?? 0;
                for (var t = 0; t < k; t++)
                {
                    sum += x.Data[(i * k) + t] * w.Data[(j * k) + t];
                }

                y[(i * n) + j] = (float)sum;
            }
        }

        return new Nd(y, [m, n]);
    }

    public static Nd Map(Nd x, Func<double, double> f) => new(Array.ConvertAll(x.Data, v => (float)f(v)), x.Shape);

    /// <summary>Numpy-broadcast binary op.</summary>
    public static Nd Binary(Nd a, Nd b, Func<double, double, double> f)
    {
        var rank = Math.Max(a.Shape.Length, b.Shape.Length);
        var sa = Align(a.Shape, rank);
        var sb = Align(b.Shape, rank);
        var shape = sa.Zip(sb, Math.Max).ToArray();
        var y = new float[shape.Aggregate(1, (p, d) => p * d)];
        var index = new int[rank];
        for (var i = 0; i < y.Length; i++)
        {
            var rest = i;
            for (var d = rank - 1; d >= 0; d--)
            {
                index[d] = rest % shape[d];
                rest /= shape[d];
            }

            y[i] = (float)f(a.Data[Offset(index, sa)], b.Data[Offset(index, sb)]);
        }

        return new Nd(y, shape);
    }

    public static Nd Softmax(Nd x, int axis)
    {
        var outer = x.Shape.Take(axis).Aggregate(1, (p, d) => p * d);
        var dim = x.Shape[axis];
        var inner = x.Shape.Skip(axis + 1).Aggregate(1, (p, d) => p * d);
        var y = new float[x.Size];
        for (var o = 0; o < outer; o++)
        {
            for (var i = 0; i < inner; i++)
            {
                var max = double.NegativeInfinity;
                for (var d = 0; d < dim; d++)
                {
                    max = Math.Max(max, x.Data[(((o * dim) + d) * inner) + i]);
                }

                double sum = 0;
                for (var d = 0; d < dim; d++)
                {
                    sum += Math.Exp(x.Data[(((o * dim) + d) * inner) + i] - max);
                }

                for (var d = 0; d < dim; d++)
                {
                    y[(((o * dim) + d) * inner) + i] = (float)(Math.Exp(x.Data[(((o * dim) + d) * inner) + i] - max) / sum);
                }
            }
        }

        return new Nd(y, x.Shape);
    }

    public static Nd Transpose(Nd x, int[] perm)
    {
        var shape = perm.Select(p => x.Shape[p]).ToArray();
        var y = new float[x.Size];
        var index = new int[shape.Length];
        var source = new int[shape.Length];
        for (var i = 0; i < y.Length; i++)
        {
            var rest = i;
            for (var d = shape.Length - 1; d >= 0; d--)
            {
                index[d] = rest % shape[d];
                rest /= shape[d];
            }

            for (var d = 0; d < shape.Length; d++)
            {
                source[perm[d]] = index[d];
            }

            y[i] = x.Data[Offset(source, x.Shape)];
        }

        return new Nd(y, shape);
    }

    /// <summary>Inference batch norm over axis 1.</summary>
    public static Nd BatchNorm(Nd x, float[] gamma, float[] beta, float[] mean, float[] variance, float eps)
    {
        var inner = x.Shape.Skip(2).Aggregate(1, (p, d) => p * d);
        var c = x.Shape[1];
        var y = new float[x.Size];
        for (var i = 0; i < y.Length; i++)
        {
            var ch = i / inner % c;
            y[i] = (float)(((x.Data[i] - mean[ch]) / Math.Sqrt(variance[ch] + eps) * gamma[ch]) + beta[ch]);
        }

        return new Nd(y, x.Shape);
    }

    private static int[] Align(int[] shape, int rank) => [.. Enumerable.Repeat(1, rank - shape.Length), .. shape];

    private static int Offset(int[] index, int[] shape)
    {
        var offset = 0;
        for (var d = 0; d < shape.Length; d++)
        {
            offset = (offset * shape[d]) + (shape[d] == 1 ? 0 : index[d]);
        }

        return offset;
    }
}
