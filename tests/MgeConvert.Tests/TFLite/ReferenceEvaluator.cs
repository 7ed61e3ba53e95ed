using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Tests.TFLite;

/// <summary>A dense float array with its shape (C order), used by the test-only reference evaluator.</summary>
public sealed record Dense(long[] Shape, double[] Data)
{
    public long Size => Data.Length;

    public int[] Strides()
    {
        var s = new int[Shape.Length];
        var acc = 1;
        for (var i = Shape.Length - 1; i >= 0; i--)
        {
            s[i] = acc;
            acc *= (int)Shape[i];
        }

        return s;
    }
}

/// <summary>
/// Straightforward loop implementations of the IR ops the TFLite tests use (NCHW, float), to compute
/// expected values independently of any runtime. Quantized values are dequantized on the way in.
/// </summary>
public static class ReferenceEvaluator
{
    public static Dictionary<Value, Dense> Run(Graph graph, IReadOnlyDictionary<Value, Dense> inputs)
    {
        var env = new Dictionary<Value, Dense>(inputs);
        Dense Get(Value v) => v.IsConstant ? new Dense(v.Shape.ToArray(), [.. v.Constant!.Dequantize().Select(f => (double)f)]) : env[v];
        foreach (var node in graph.Nodes)
        {
            var outputs = Eval(node, i => i < node.Inputs.Count && node.Inputs[i] is { } v ? Get(v) : null);
            for (var i = 0; i < outputs.Length; i++)
            {
                env[node.Outputs[i]] = outputs[i];
            }
        }

        return env;
    }

    private static Dense[] Eval(Node node, Func<int, Dense?> input)
    {
        var x = input(0)!;
        return node.Op switch
        {
            Conv c => [Activate(Conv(x, input(1)!, input(2), c), c.Activation)],
            ConvTranspose c => [ConvTranspose(x, input(1)!, input(2), c)],
            Pool p => [Pool(x, p)],
            GlobalPool { Kind: PoolKind.Average } => [Reduce(x, [2, 3], true, ReduceKind.Mean)],
            Gemm g => [Activate(Gemm(x, input(1)!, input(2), g), g.Activation)],
            MgeConvert.Ir.Ops.MatMul => [MatMul(x, input(1)!)],
            Binary b => [Activate(Broadcast(x, input(1)!, BinaryFn(b.Function)), b.Activation)],
            Unary u => [Map(x, UnaryFn(u.Function))],
            Clip c => [Map(x, v => Math.Min(Math.Max(v, c.Min), c.Max))],
            Softmax s => [Softmax(x, (int)(s.Axis < 0 ? s.Axis + x.Shape.Length : s.Axis))],
            Reduce r => [Reduce(x, [.. r.Axes.Select(a => (int)(a < 0 ? a + x.Shape.Length : a))], r.KeepDims, r.Kind)],
            Concat c => [Concat([.. node.Inputs.Select((_, i) => input(i)!)], (int)(c.Axis < 0 ? c.Axis + x.Shape.Length : c.Axis))],
            MgeConvert.Ir.Ops.Reshape or Flatten or Squeeze or Unsqueeze => [new Dense(node.Output.Shape.ToArray(), x.Data)],
            MgeConvert.Ir.Ops.Pad p => [Pad(x, p)],
            Slice s => [Slice(x, s)],
            Resize r => [Resize(x, r)],
            BatchNorm bn => [BatchNorm(x, input(1)!, input(2)!, input(3)!, input(4)!, bn.Epsilon)],
            Cast => [x],
            Transpose t => [Transpose(x, [.. t.Perm.Select(p => (int)p)])],
            LayerNorm ln => [LayerNorm(x, input(1), input(2), ln)],
            Split sp => Split(x, sp),
            Gather g => [GatherAxis(x, input(1)!, (int)(g.Axis < 0 ? g.Axis + x.Shape.Length : g.Axis))],
            Tile t => [Gather(x, idx => At(x, [.. idx.Select((v, d) => v % x.Shape[d])]), [.. x.Shape.Select((d, i) => d * t.Repeats[i])])],
            Expand e => [Broadcast(x, new Dense(e.TargetShape, new double[e.TargetShape.Aggregate(1L, (p, d) => p * d)]), (a, _) => a)],
            HardSigmoid h => [Map(x, v => Math.Max(0, Math.Min(1, (h.Alpha * v) + h.Beta)))],
            LeakyRelu l => [Map(x, v => v >= 0 ? v : l.Alpha * v)],
            Elu el => [Map(x, v => v >= 0 ? v : el.Alpha * (Math.Exp(v) - 1))],
            ArgReduce a => [ArgMax(x, (int)(a.Axis < 0 ? a.Axis + x.Shape.Length : a.Axis))],
            Where => [Broadcast(Broadcast(x, input(1)!, (c, t) => c != 0 ? t : double.NaN), input(2)!, (t, f) => double.IsNaN(t) ? f : t)],
            _ => throw new NotSupportedException($"reference has no {node.Op.Name}"),
        };
    }

    private static Func<double, double, double> BinaryFn(BinaryFunction f) => f switch
    {
        BinaryFunction.Add => (a, b) => a + b,
        BinaryFunction.Sub => (a, b) => a - b,
        BinaryFunction.Mul => (a, b) => a * b,
        BinaryFunction.Div => (a, b) => a / b,
        BinaryFunction.Max => Math.Max,
        BinaryFunction.Min => Math.Min,
        BinaryFunction.Pow => Math.Pow,
        BinaryFunction.Greater => (a, b) => a > b ? 1 : 0,
        _ => throw new NotSupportedException(f.ToString()),
    };

    private static Func<double, double> UnaryFn(UnaryFunction f) => f switch
    {
        UnaryFunction.Relu => v => Math.Max(v, 0),
        UnaryFunction.Sigmoid => v => 1 / (1 + Math.Exp(-v)),
        UnaryFunction.Tanh => Math.Tanh,
        UnaryFunction.Exp => Math.Exp,
        UnaryFunction.Abs => Math.Abs,
        UnaryFunction.Neg => v => -v,
        UnaryFunction.Silu => v => v / (1 + Math.Exp(-v)),
        UnaryFunction.HardSwish => v => v * Math.Min(Math.Max(v + 3, 0), 6) / 6,
        _ => throw new NotSupportedException(f.ToString()),
    };

    private static Dense Activate(Dense x, FusedActivation a) => a switch
    {
        FusedActivation.None => x,
        FusedActivation.Relu => Map(x, v => Math.Max(v, 0)),
        FusedActivation.Relu6 => Map(x, v => Math.Min(Math.Max(v, 0), 6)),
        FusedActivation.Tanh => Map(x, Math.Tanh),
        _ => Map(x, v => 1 / (1 + Math.Exp(-v))),
    };

    private static Dense Map(Dense x, Func<double, double> f) => x with { Data = [.. x.Data.Select(f)] };

    private static Dense Broadcast(Dense a, Dense b, Func<double, double, double> f)
    {
        var rank = Math.Max(a.Shape.Length, b.Shape.Length);
        long[] Pad1(long[] s) => [.. Enumerable.Repeat(1L, rank - s.Length), .. s];
        var sa = Pad1(a.Shape);
        var sb = Pad1(b.Shape);
        var shape = sa.Zip(sb, Math.Max).ToArray();
        var result = new double[shape.Aggregate(1L, (p, d) => p * d)];
        var ia = new Dense(sa, a.Data).Strides();
        var ib = new Dense(sb, b.Data).Strides();
        var idx = new long[rank];
        for (var i = 0; i < result.Length; i++)
        {
            long oa = 0, ob = 0;
            for (var d = 0; d < rank; d++)
            {
                oa += sa[d] == 1 ? 0 : idx[d] * ia[d];
                ob += sb[d] == 1 ? 0 : idx[d] * ib[d];
            }

            result[i] = f(a.Data[oa], b.Data[ob]);
            for (var d = rank - 1; d >= 0 && ++idx[d] == shape[d]; d--)
            {
                idx[d] = 0;
            }
        }

        return new Dense(shape, result);
    }

    private static Dense Conv(Dense x, Dense w, Dense? bias, Conv c)
    {
        long n = x.Shape[0], ci = x.Shape[1], h = x.Shape[2], wd = x.Shape[3];
        long co = w.Shape[0], cig = w.Shape[1], kh = w.Shape[2], kw = w.Shape[3];
        var oh = ShapeMath.WindowOutput(h, kh, c.Strides[0], c.Pads[0], c.Pads[2], c.Dilations[0]);
        var ow = ShapeMath.WindowOutput(wd, kw, c.Strides[1], c.Pads[1], c.Pads[3], c.Dilations[1]);
        var cog = co / c.Group;
        var y = new double[n * co * oh * ow];
        for (long b = 0; b < n; b++)
        {
            for (long o = 0; o < co; o++)
            {
                var g = o / cog;
                for (long i = 0; i < oh; i++)
                {
                    for (long j = 0; j < ow; j++)
                    {
                        var s = bias?.Data[o] ?? 0;
                        for (long k = 0; k < cig; k++)
                        {
                            for (long p = 0; p < kh; p++)
                            {
                                for (long q = 0; q < kw; q++)
                                {
                                    var yy = (i * c.Strides[0]) - c.Pads[0] + (p * c.Dilations[0]);
                                    var xx = (j * c.Strides[1]) - c.Pads[1] + (q * c.Dilations[1]);
                                    if (yy < 0 || yy >= h || xx < 0 || xx >= wd)
                                    {
                                        continue;
                                    }

                                    s += x.Data[(((b * ci) + (g * cig) + k) * h * wd) + (yy * wd) + xx] * w.Data[(((o * cig) + k) * kh * kw) + (p * kw) + q];
                                }
                            }
                        }

                        y[(((b * co) + o) * oh * ow) + (i * ow) + j] = s;
                    }
                }
            }
        }

        return new Dense([n, co, oh, ow], y);
    }

    private static Dense ConvTranspose(Dense x, Dense w, Dense? bias, ConvTranspose c)
    {
        long n = x.Shape[0], ci = x.Shape[1], h = x.Shape[2], wd = x.Shape[3];
        long cog = w.Shape[1], co = cog * c.Group, cig = ci / c.Group, kh = w.Shape[2], kw = w.Shape[3];
        var oh = ((h - 1) * c.Strides[0]) - c.Pads[0] - c.Pads[2] + kh + (c.OutputPadding?[0] ?? 0);
        var ow = ((wd - 1) * c.Strides[1]) - c.Pads[1] - c.Pads[3] + kw + (c.OutputPadding?[1] ?? 0);
        var y = new double[n * co * oh * ow];
        for (long b = 0; b < n; b++)
        {
            for (long o = 0; o < co; o++)
            {
                for (var t = 0; t < oh * ow; t++)
                {
                    y[(((b * co) + o) * oh * ow) + t] = bias?.Data[o] ?? 0;
                }
            }

            for (long k = 0; k < ci; k++)
            {
                for (long i = 0; i < h; i++)
                {
                    for (long j = 0; j < wd; j++)
                    {
                        var v = x.Data[(((b * ci) + k) * h * wd) + (i * wd) + j];
                        var g = k / cig;
                        for (long og = 0; og < cog; og++)
                        {
                            var o = (g * cog) + og;
                            for (long p = 0; p < kh; p++)
                            {
                                for (long q = 0; q < kw; q++)
                                {
                                    var yy = (i * c.Strides[0]) - c.Pads[0] + p;
                                    var xx = (j * c.Strides[1]) - c.Pads[1] + q;
                                    if (yy >= 0 && yy < oh && xx >= 0 && xx < ow)
                                    {
                                        y[(((b * co) + o) * oh * ow) + (yy * ow) + xx] += v * w.Data[(((k * cog) + og) * kh * kw) + (p * kw) + q];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }

        return new Dense([n, co, oh, ow], y);
    }

    private static Dense Pool(Dense x, Pool p)
    {
        long n = x.Shape[0], c = x.Shape[1], h = x.Shape[2], w = x.Shape[3];
        var oh = ShapeMath.WindowOutput(h, p.Kernel[0], p.Strides[0], p.Pads[0], p.Pads[2], 1, p.CeilMode);
        var ow = ShapeMath.WindowOutput(w, p.Kernel[1], p.Strides[1], p.Pads[1], p.Pads[3], 1, p.CeilMode);
        var y = new double[n * c * oh * ow];
        for (long b = 0; b < n * c; b++)
        {
            for (long i = 0; i < oh; i++)
            {
                for (long j = 0; j < ow; j++)
                {
                    double acc = p.Kind == PoolKind.Max ? double.NegativeInfinity : 0;
                    long count = 0;
                    for (long u = 0; u < p.Kernel[0]; u++)
                    {
                        for (long v = 0; v < p.Kernel[1]; v++)
                        {
                            var yy = (i * p.Strides[0]) - p.Pads[0] + u;
                            var xx = (j * p.Strides[1]) - p.Pads[1] + v;
                            if (yy < 0 || yy >= h || xx < 0 || xx >= w)
                            {
                                continue;
                            }

                            var val = x.Data[(b * h * w) + (yy * w) + xx];
                            acc = p.Kind == PoolKind.Max ? Math.Max(acc, val) : acc + val;
                            count++;
                        }
                    }

                    y[(b * oh * ow) + (i * ow) + j] = p.Kind == PoolKind.Max ? acc : acc / (p.CountIncludePad ? p.Kernel[0] * p.Kernel[1] : count);
                }
            }
        }

        return new Dense([n, c, oh, ow], y);
    }

    private static Dense Gemm(Dense a, Dense b, Dense? c, Gemm g)
    {
        var m = a.Shape[0];
        var k = a.Shape[1];
        var n = g.TransB ? b.Shape[0] : b.Shape[1];
        var y = new double[m * n];
        for (long i = 0; i < m; i++)
        {
            for (long j = 0; j < n; j++)
            {
                double s = 0;
                for (long t = 0; t < k; t++)
                {
                    s += a.Data[(i * k) + t] * (g.TransB ? b.Data[(j * k) + t] : b.Data[(t * n) + j]);
                }

                y[(i * n) + j] = (g.Alpha * s) + (c is null ? 0 : g.Beta * c.Data[c.Size == n ? j : (i * n) + j]);
            }
        }

        return new Dense([m, n], y);
    }

    private static Dense MatMul(Dense a, Dense b)
    {
        var m = a.Shape[^2];
        var k = a.Shape[^1];
        var n = b.Shape[^1];
        var batch = a.Size / (m * k);
        var bBatch = b.Size / (k * n);
        var y = new double[batch * m * n];
        for (long z = 0; z < batch; z++)
        {
            var zb = bBatch == 1 ? 0 : z;
            for (long i = 0; i < m; i++)
            {
                for (long j = 0; j < n; j++)
                {
                    double s = 0;
                    for (long t = 0; t < k; t++)
                    {
                        s += a.Data[(z * m * k) + (i * k) + t] * b.Data[(zb * k * n) + (t * n) + j];
                    }

                    y[(z * m * n) + (i * n) + j] = s;
                }
            }
        }

        return new Dense([.. a.Shape[..^2], m, n], y);
    }

    private static Dense Softmax(Dense x, int axis)
    {
        var st = x.Strides();
        var len = x.Shape[axis];
        var y = new double[x.Size];
        for (var i = 0; i < x.Size; i++)
        {
            if (i / st[axis] % len != 0)
            {
                continue;
            }

            var max = double.NegativeInfinity;
            for (var t = 0; t < len; t++)
            {
                max = Math.Max(max, x.Data[i + (t * st[axis])]);
            }

            double sum = 0;
            for (var t = 0; t < len; t++)
            {
                sum += Math.Exp(x.Data[i + (t * st[axis])] - max);
            }

            for (var t = 0; t < len; t++)
            {
                y[i + (t * st[axis])] = Math.Exp(x.Data[i + (t * st[axis])] - max) / sum;
            }
        }

        return x with { Data = y };
    }

    private static Dense Reduce(Dense x, int[] axes, bool keep, ReduceKind kind)
    {
        var outShape = x.Shape.Select((d, i) => axes.Contains(i) ? 1 : d).ToArray();
        var outStrides = new Dense(outShape, []).Strides();
        var st = x.Strides();
        var size = outShape.Aggregate(1L, (p, d) => p * d);
        var acc = new double[size];
        var counts = new long[size];
        if (kind is ReduceKind.Max)
        {
            Array.Fill(acc, double.NegativeInfinity);
        }

        for (var i = 0; i < x.Size; i++)
        {
            long o = 0;
            for (var d = 0; d < x.Shape.Length; d++)
            {
                o += axes.Contains(d) ? 0 : i / st[d] % x.Shape[d] * outStrides[d];
            }

            acc[o] = kind == ReduceKind.Max ? Math.Max(acc[o], x.Data[i]) : acc[o] + x.Data[i];
            counts[o]++;
        }

        if (kind == ReduceKind.Mean)
        {
            for (var i = 0; i < size; i++)
            {
                acc[i] /= counts[i];
            }
        }

        return new Dense(keep ? outShape : [.. x.Shape.Where((_, i) => !axes.Contains(i))], acc);
    }

    private static Dense Concat(Dense[] xs, int axis)
    {
        var shape = (long[])xs[0].Shape.Clone();
        shape[axis] = xs.Sum(x => x.Shape[axis]);
        var outer = xs[0].Shape.Take(axis).Aggregate(1L, (p, d) => p * d);
        var y = new List<double>();
        for (long o = 0; o < outer; o++)
        {
            foreach (var x in xs)
            {
                var chunk = x.Size / outer;
                y.AddRange(x.Data.AsSpan((int)(o * chunk), (int)chunk).ToArray());
            }
        }

        return new Dense(shape, [.. y]);
    }

    private static Dense Gather(Dense x, Func<long[], double> at, long[] shape)
    {
        var y = new double[shape.Aggregate(1L, (p, d) => p * d)];
        var idx = new long[shape.Length];
        for (var i = 0; i < y.Length; i++)
        {
            y[i] = at(idx);
            for (var d = shape.Length - 1; d >= 0 && ++idx[d] == shape[d]; d--)
            {
                idx[d] = 0;
            }
        }

        return new Dense(shape, y);
    }

    private static double At(Dense x, long[] idx)
    {
        var st = x.Strides();
        long o = 0;
        for (var d = 0; d < idx.Length; d++)
        {
            o += idx[d] * st[d];
        }

        return x.Data[o];
    }

    private static Dense Pad(Dense x, MgeConvert.Ir.Ops.Pad p)
    {
        var r = x.Shape.Length;
        var shape = x.Shape.Select((d, i) => d + p.Pads[i] + p.Pads[i + r]).ToArray();
        return Gather(x, idx =>
        {
            var src = new long[r];
            for (var d = 0; d < r; d++)
            {
                var s = idx[d] - p.Pads[d];
                if (p.Mode == PadMode.Edge)
                {
                    s = Math.Clamp(s, 0, x.Shape[d] - 1);
                }
                else if (p.Mode == PadMode.Reflect)
                {
                    s = s < 0 ? -s : s >= x.Shape[d] ? (2 * (x.Shape[d] - 1)) - s : s;
                }
                else if (s < 0 || s >= x.Shape[d])
                {
                    return p.ConstantValue;
                }

                src[d] = s;
            }

            return At(x, src);
        }, shape);
    }

    private static Dense Slice(Dense x, Slice s)
    {
        var r = x.Shape.Length;
        var first = new long[r];
        var step = Enumerable.Repeat(1L, r).ToArray();
        var shape = (long[])x.Shape.Clone();
        for (var i = 0; i < s.Axes.Length; i++)
        {
            var a = (int)(s.Axes[i] < 0 ? s.Axes[i] + r : s.Axes[i]);
            (first[a], shape[a]) = MgeConvert.Ir.Ops.Slice.Range(x.Shape[a], s.Starts[i], s.Ends[i], s.Steps[i]);
            step[a] = s.Steps[i];
        }

        return Gather(x, idx => At(x, [.. idx.Select((v, d) => first[d] + (v * step[d]))]), shape);
    }

    private static Dense Transpose(Dense x, int[] perm) =>
        Gather(x, idx =>
        {
            var src = new long[perm.Length];
            for (var i = 0; i < perm.Length; i++)
            {
                src[perm[i]] = idx[i];
            }

            return At(x, src);
        }, [.. perm.Select(p => x.Shape[p])]);

    private static Dense Resize(Dense x, Resize r)
    {
        var shape = r.Sizes;
        double Source(long o, long inLen, long outLen) => r.Coordinates switch
        {
            CoordinateTransform.AlignCorners => outLen == 1 ? 0 : o * (double)(inLen - 1) / (outLen - 1),
            CoordinateTransform.Asymmetric => o * (double)inLen / outLen,
            _ => ((o + 0.5) * inLen / outLen) - 0.5,
        };
        return Gather(x, idx =>
        {
            if (r.Mode == ResizeMode.Nearest)
            {
                var sy = Math.Min((long)Math.Floor(Source(idx[2], x.Shape[2], shape[2])), x.Shape[2] - 1);
                var sx = Math.Min((long)Math.Floor(Source(idx[3], x.Shape[3], shape[3])), x.Shape[3] - 1);
                return At(x, [idx[0], idx[1], sy, sx]);
            }

            var fy = Math.Max(Source(idx[2], x.Shape[2], shape[2]), 0);
            var fx = Math.Max(Source(idx[3], x.Shape[3], shape[3]), 0);
            long y0 = (long)Math.Floor(fy), x0 = (long)Math.Floor(fx);
            long y1 = Math.Min(y0 + 1, x.Shape[2] - 1), x1 = Math.Min(x0 + 1, x.Shape[3] - 1);
            y0 = Math.Min(y0, x.Shape[2] - 1);
            x0 = Math.Min(x0, x.Shape[3] - 1);
            double dy = fy - Math.Floor(fy), dx = fx - Math.Floor(fx);
            double v00 = At(x, [idx[0], idx[1], y0, x0]), v01 = At(x, [idx[0], idx[1], y0, x1]);
            double v10 = At(x, [idx[0], idx[1], y1, x0]), v11 = At(x, [idx[0], idx[1], y1, x1]);
            return ((v00 * (1 - dx)) + (v01 * dx)) * (1 - dy) + (((v10 * (1 - dx)) + (v11 * dx)) * dy);
        }, shape);
    }

    private static Dense LayerNorm(Dense x, Dense? scale, Dense? bias, LayerNorm ln)
    {
        var inner = x.Shape.Skip((int)(ln.Axis < 0 ? ln.Axis + x.Shape.Length : ln.Axis)).Aggregate(1L, (p, d) => p * d);
        var y = new double[x.Size];
        for (long o = 0; o < x.Size / inner; o++)
        {
            var row = x.Data.AsSpan((int)(o * inner), (int)inner).ToArray();
            var mean = row.Average();
            var variance = row.Select(v => (v - mean) * (v - mean)).Average();
            for (var i = 0; i < inner; i++)
            {
                y[(o * inner) + i] = ((row[i] - mean) / Math.Sqrt(variance + ln.Epsilon) * (scale?.Data[i] ?? 1)) + (bias?.Data[i] ?? 0);
            }
        }

        return x with { Data = y };
    }

    private static Dense[] Split(Dense x, Split s)
    {
        var axis = (int)(s.Axis < 0 ? s.Axis + x.Shape.Length : s.Axis);
        long start = 0;
        var result = new List<Dense>();
        foreach (var size in s.Sizes)
        {
            var shape = (long[])x.Shape.Clone();
            shape[axis] = size;
            var offset = start;
            result.Add(Gather(x, idx => At(x, [.. idx.Select((v, d) => d == axis ? v + offset : v)]), shape));
            start += size;
        }

        return [.. result];
    }

    private static Dense GatherAxis(Dense x, Dense indices, int axis)
    {
        var shape = x.Shape.Take(axis).Concat(indices.Shape).Concat(x.Shape.Skip(axis + 1)).ToArray();
        return Gather(x, idx =>
        {
            var flat = At(indices, idx.Skip(axis).Take(indices.Shape.Length).ToArray());
            var k = (long)flat < 0 ? (long)flat + x.Shape[axis] : (long)flat;
            return At(x, [.. idx.Take(axis), k, .. idx.Skip(axis + indices.Shape.Length)]);
        }, shape);
    }

    private static Dense ArgMax(Dense x, int axis)
    {
        var shape = x.Shape.Where((_, i) => i != axis).ToArray();
        return Gather(x, idx =>
        {
            var best = 0L;
            var bestValue = double.NegativeInfinity;
            for (long k = 0; k < x.Shape[axis]; k++)
            {
                var v = At(x, [.. idx.Take(axis), k, .. idx.Skip(axis)]);
                if (v > bestValue)
                {
                    (best, bestValue) = (k, v);
                }
            }

            return best;
        }, shape);
    }

    private static Dense BatchNorm(Dense x, Dense g, Dense b, Dense m, Dense v, float eps)
    {
        var st = x.Strides();
        var c = x.Shape[1];
        return x with { Data = [.. x.Data.Select((val, i) => { var ch = i / st[1] % c; return ((val - m.Data[ch]) / Math.Sqrt(v.Data[ch] + eps) * g.Data[ch]) + b.Data[ch]; })] };
    }
}
