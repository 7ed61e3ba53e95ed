using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Tests.TracedModule;

/// <summary>
/// A naive float64 evaluator for a handful of IR ops (conv, dense, batch norm, pooling, softmax, a few elementwise ops), used to
/// check the TracedModule reader's weight layouts, padding and BN folding against MegEngine's outputs.
/// </summary>
internal static class TinyReferenceEvaluator
{
    public static bool Supports(Graph graph) => graph.Nodes.All(n => n.Op is Conv { SpatialRank: 2 } or Gemm { TransA: false } or BatchNorm
        or Unary or Identity or Reshape or Pool { Kernel.Length: 2 } or GlobalPool { Kind: PoolKind.Average } or Softmax
        or Binary { Activation: FusedActivation.None } or Clip or LeakyRelu or HardSigmoid or Transpose or Concat or Reduce
        or Squeeze or Unsqueeze or Expand or Slice or Where or MatMul or ConvTranspose { SpatialRank: 2 } or Pad or Tile or Split or Gather
        or GatherElements or LayerNorm or ArgReduce or Resize { Mode: ResizeMode.Nearest or ResizeMode.Linear } or TopK or AdaptivePool { Kind: PoolKind.Average }
        || (n.Op is Cast cast && !cast.To.IsQuantized));

    /// <summary>With <paramref name="fakeQuant"/>, every value annotated with an 8-bit QuantInfo is fake-quantized (QAT semantics).</summary>
    public static Dictionary<Value, (long[] Shape, double[] Data)> Run(Graph graph, IReadOnlyList<Tensor> inputs, bool fakeQuant = false)
    {
        var env = new Dictionary<Value, (long[], double[])>();
        for (var i = 0; i < inputs.Count; i++)
        {
            env[graph.Inputs[i]] = (inputs[i].Shape.ToArray(), inputs[i].ToDoubles());
        }

        (long[] Shape, double[] Data) Get(Value v) => v.Constant is { } c ? Quantized(v, (c.Shape.ToArray(), c.ToDoubles()), fakeQuant) : env[v];
        foreach (var node in graph.Nodes)
        {
            var x = Get(node.Input(0));
            if (node.Op is Split split)
            {
                long offset = 0;
                for (var i = 0; i < node.Outputs.Count; i++)
                {
                    var axis = ShapeMath.Axis(split.Axis, x.Shape.Length);
                    env[node.Outputs[i]] = SliceOf(new Slice([offset], [offset + split.Sizes[i]], [axis], [1]), x, node.Outputs[i].Shape.ToArray());
                    offset += split.Sizes[i];
                }

                continue;
            }

            if (node.Op is TopK topk)
            {
                (env[node.Outputs[0]], env[node.Outputs[1]]) = TopKOf(topk, x, node.Outputs[0].Shape.ToArray());
                continue;
            }

            env[node.Output] = Quantized(node.Output, node.Op switch
            {
                ConvTranspose ct => Deconvolution(ct, x, Get(node.Input(1)), node.InputOrNull(2) is { } db ? Get(db).Data : null, node.Output.Shape.ToArray()),
                Pad pad => PadOf(pad, x, node.Output.Shape.ToArray()),
                Tile => Map(node.Output.Shape.ToArray(), x, (idx, _) => Ravel([.. idx.Select((v, d) => v % x.Shape[d])], x.Shape)),
                Gather g => GatherOf(g, x, Get(node.Input(1)), node.Output.Shape.ToArray()),
                GatherElements ge => GatherElementsOf(ge, x, Get(node.Input(1)), node.Output.Shape.ToArray()),
                LayerNorm ln => LayerNormOf(ln, x, node.InputOrNull(1) is { } lw ? Get(lw).Data : null, node.InputOrNull(2) is { } lb ? Get(lb).Data : null),
                ArgReduce ar => ArgOf(ar, x, node.Output.Shape.ToArray()),
                AdaptivePool ap => AdaptiveAverage(x, ap.OutputSize),
                Resize rs => ResizeOf(rs, x),
                Conv conv => Convolution(conv, x, Get(node.Input(1)), node.InputOrNull(2) is { } b ? Get(b).Data : null),
                Gemm gemm => Dense(gemm, x, Get(node.Input(1)), node.InputOrNull(2) is { } b ? Get(b).Data : null),
                BatchNorm bn => Normalize(bn, x, Get(node.Input(1)).Data, Get(node.Input(2)).Data, Get(node.Input(3)).Data, Get(node.Input(4)).Data),
                Unary u => (x.Shape, x.Data.Select(v => UnaryValue(u.Function, v)).ToArray()),
                Clip clip => (x.Shape, x.Data.Select(v => Math.Min(Math.Max(v, clip.Min), clip.Max)).ToArray()),
                LeakyRelu lr => (x.Shape, x.Data.Select(v => v >= 0 ? v : v * lr.Alpha).ToArray()),
                HardSigmoid hs => (x.Shape, x.Data.Select(v => Math.Max(0, Math.Min(1, (hs.Alpha * v) + hs.Beta))).ToArray()),
                Cast cast => (x.Shape, cast.To.Element.IsFloat() ? x.Data : x.Data.Select(Math.Truncate).ToArray()),
                Reshape or Squeeze or Unsqueeze => (node.Output.Shape.ToArray(), x.Data),
                Expand => Map(node.Output.Shape.ToArray(), x, (idx, _) => BroadcastIndex(idx, x.Shape)),
                Transpose t => Map(node.Output.Shape.ToArray(), x, (idx, _) => Permuted(idx, t.Perm, x.Shape)),
                Slice sl => SliceOf(sl, x, node.Output.Shape.ToArray()),
                Concat cc => ConcatOf(cc, [.. node.Inputs.Select(i => Get(i!))], node.Output.Shape.ToArray()),
                Reduce r => ReduceOf(r, x, node.Output.Shape.ToArray()),
                Where => Elementwise3(node.Output.Shape.ToArray(), x, Get(node.Input(1)), Get(node.Input(2)), (c, a, b) => c != 0 ? a : b),
                MatMul => BatchedMatMul(x, Get(node.Input(1)), node.Output.Shape.ToArray()),
                Pool pool => Pooling(pool, x),
                GlobalPool => Pooling(new Pool(PoolKind.Average, [x.Shape[2], x.Shape[3]], [1, 1], [0, 0, 0, 0]), x),
                Softmax softmax => SoftmaxAlong(softmax, x),
                Identity => x,
                Binary binary => Elementwise3(node.Output.Shape.ToArray(), x, Get(node.Input(1)), ([], [0.0]), (a, b, _) => BinaryValue(binary.Function, a, b)),
                _ => throw new InvalidOperationException(node.Op.Name),
            }, fakeQuant);
        }

        return env;
    }

    private static (long[], double[]) Quantized(Value value, (long[] S, double[] D) data, bool enabled)
    {
        if (!enabled || Quantization.QuantAnnotations.Get(value) is not { QMax: <= 255 } q)
        {
            return data;
        }

        var t = Quantization.FakeQuant.Apply(Tensor.FromFloats(new Shape(data.S), [.. data.D.Select(v => (float)v)]), q);
        return (data.S, t.ToDoubles());
    }

    private static (long[], double[]) Convolution(Conv op, (long[] S, double[] D) x, (long[] S, double[] D) w, double[]? bias)
    {
        long n = x.S[0], c = x.S[1], h = x.S[2], wd = x.S[3], o = w.S[0], cg = w.S[1], kh = w.S[2], kw = w.S[3];
        var oh = ShapeMath.WindowOutput(h, kh, op.Strides[0], op.Pads[0], op.Pads[2], op.Dilations[0]);
        var ow = ShapeMath.WindowOutput(wd, kw, op.Strides[1], op.Pads[1], op.Pads[3], op.Dilations[1]);
        var og = o / op.Group;
        var y = new double[n * o * oh * ow];
        for (long b = 0; b < n; b++)
        {
            for (long oc = 0; oc < o; oc++)
            {
                var g = oc / og;
                for (long i = 0; i < oh; i++)
                {
                    for (long j = 0; j < ow; j++)
                    {
                        var sum = bias?[oc] ?? 0;
                        for (long ic = 0; ic < cg; ic++)
                        {
                            for (long p = 0; p < kh; p++)
                            {
                                var yy = (i * op.Strides[0]) - op.Pads[0] + (p * op.Dilations[0]);
                                if (yy < 0 || yy >= h)
                                {
                                    continue;
                                }

                                for (long q = 0; q < kw; q++)
                                {
                                    var xx = (j * op.Strides[1]) - op.Pads[1] + (q * op.Dilations[1]);
                                    if (xx < 0 || xx >= wd)
                                    {
                                        continue;
                                    }

                                    sum += x.D[(((b * c) + (g * cg) + ic) * h * wd) + (yy * wd) + xx] * w.D[(((oc * cg) + ic) * kh * kw) + (p * kw) + q];
                                }
                            }
                        }

                        y[(((b * o) + oc) * oh * ow) + (i * ow) + j] = sum;
                    }
                }
            }
        }

        return ([n, o, oh, ow], y);
    }

    private static (long[], double[]) Dense(Gemm op, (long[] S, double[] D) a, (long[] S, double[] D) w, double[]? bias)
    {
        long m = a.S[0], k = a.S[1], nOut = op.TransB ? w.S[0] : w.S[1];
        var y = new double[m * nOut];
        for (long i = 0; i < m; i++)
        {
            for (long j = 0; j < nOut; j++)
            {
                var sum = bias is null ? 0 : bias[bias.Length == 1 ? 0 : j];
                for (long t = 0; t < k; t++)
                {
                    sum += a.D[(i * k) + t] * (op.TransB ? w.D[(j * k) + t] : w.D[(t * nOut) + j]);
                }

                y[(i * nOut) + j] = sum;
            }
        }

        return ([m, nOut], y);
    }

    private static (long[], double[]) Normalize(BatchNorm op, (long[] S, double[] D) x, double[] scale, double[] bias, double[] mean, double[] variance)
    {
        var channels = x.S[1];
        var inner = x.S.Skip(2).Aggregate(1L, (p, d) => p * d);
        var y = new double[x.D.Length];
        for (long i = 0; i < y.Length; i++)
        {
            var ch = i / inner % channels;
            y[i] = ((x.D[i] - mean[ch]) / Math.Sqrt(variance[ch] + op.Epsilon) * scale[ch]) + bias[ch];
        }

        return (x.S, y);
    }

    private static (long[], double[]) Pooling(Pool op, (long[] S, double[] D) x)
    {
        long n = x.S[0], c = x.S[1], h = x.S[2], w = x.S[3];
        var oh = ShapeMath.WindowOutput(h, op.Kernel[0], op.Strides[0], op.Pads[0], op.Pads[2], 1);
        var ow = ShapeMath.WindowOutput(w, op.Kernel[1], op.Strides[1], op.Pads[1], op.Pads[3], 1);
        var y = new double[n * c * oh * ow];
        for (long plane = 0; plane < n * c; plane++)
        {
            for (long i = 0; i < oh; i++)
            {
                for (long j = 0; j < ow; j++)
                {
                    double acc = op.Kind == PoolKind.Max ? double.NegativeInfinity : 0;
                    var count = 0;
                    for (long p = 0; p < op.Kernel[0]; p++)
                    {
                        for (long q = 0; q < op.Kernel[1]; q++)
                        {
                            var yy = (i * op.Strides[0]) - op.Pads[0] + p;
                            var xx = (j * op.Strides[1]) - op.Pads[1] + q;
                            if (yy < 0 || yy >= h || xx < 0 || xx >= w)
                            {
                                continue;
                            }

                            var v = x.D[(plane * h * w) + (yy * w) + xx];
                            acc = op.Kind == PoolKind.Max ? Math.Max(acc, v) : acc + v;
                            count++;
                        }
                    }

                    y[(plane * oh * ow) + (i * ow) + j] = op.Kind == PoolKind.Max ? acc
                        : acc / (op.CountIncludePad ? op.Kernel[0] * op.Kernel[1] : count);
                }
            }
        }

        return ([n, c, oh, ow], y);
    }

    private static (long[], double[]) SoftmaxAlong(Softmax op, (long[] S, double[] D) x)
    {
        var axis = ShapeMath.Axis(op.Axis, x.S.Length);
        var inner = x.S.Skip(axis + 1).Aggregate(1L, (p, d) => p * d);
        var len = x.S[axis];
        var outer = x.D.Length / (inner * len);
        var y = new double[x.D.Length];
        for (long o = 0; o < outer; o++)
        {
            for (long i = 0; i < inner; i++)
            {
                var max = double.NegativeInfinity;
                for (long k = 0; k < len; k++)
                {
                    max = Math.Max(max, x.D[(((o * len) + k) * inner) + i]);
                }

                double sum = 0;
                for (long k = 0; k < len; k++)
                {
                    sum += Math.Exp(x.D[(((o * len) + k) * inner) + i] - max);
                }

                for (long k = 0; k < len; k++)
                {
                    y[(((o * len) + k) * inner) + i] = Math.Exp(x.D[(((o * len) + k) * inner) + i] - max) / sum;
                }
            }
        }

        return (x.S, y);
    }

    private static double UnaryValue(UnaryFunction f, double v) => f switch
    {
        UnaryFunction.Relu => Math.Max(v, 0),
        UnaryFunction.Sigmoid => 1 / (1 + Math.Exp(-v)),
        UnaryFunction.Tanh => Math.Tanh(v),
        UnaryFunction.Exp => Math.Exp(v),
        UnaryFunction.Log => Math.Log(v),
        UnaryFunction.Abs => Math.Abs(v),
        UnaryFunction.Neg => -v,
        UnaryFunction.Sqrt => Math.Sqrt(v),
        UnaryFunction.Floor => Math.Floor(v),
        UnaryFunction.Ceil => Math.Ceiling(v),
        UnaryFunction.HardSwish => v * Math.Min(Math.Max(v + 3, 0), 6) / 6,
        UnaryFunction.Silu => v / (1 + Math.Exp(-v)),
        _ => throw new InvalidOperationException(f.ToString()),
    };

    private static double BinaryValue(BinaryFunction f, double a, double b) => f switch
    {
        BinaryFunction.Add => a + b,
        BinaryFunction.Sub => a - b,
        BinaryFunction.Mul => a * b,
        BinaryFunction.Div => a / b,
        BinaryFunction.Pow => Math.Pow(a, b),
        BinaryFunction.Max => Math.Max(a, b),
        BinaryFunction.Min => Math.Min(a, b),
        BinaryFunction.FloorDiv => Math.Floor(a / b),
        BinaryFunction.Greater => a > b ? 1 : 0,
        BinaryFunction.Less => a < b ? 1 : 0,
        _ => throw new InvalidOperationException(f.ToString()),
    };

    private static long[] Unravel(long flat, long[] shape)
    {
        var idx = new long[shape.Length];
        for (var d = shape.Length - 1; d >= 0; d--)
        {
            idx[d] = shape[d] == 0 ? 0 : flat % shape[d];
            flat = shape[d] == 0 ? 0 : flat / shape[d];
        }

        return idx;
    }

    private static long Ravel(long[] idx, long[] shape)
    {
        long flat = 0;
        for (var d = 0; d < shape.Length; d++)
        {
            flat = (flat * shape[d]) + idx[d];
        }

        return flat;
    }

    private static long BroadcastIndex(long[] outIdx, long[] shape)
    {
        var offset = outIdx.Length - shape.Length;
        var idx = new long[shape.Length];
        for (var d = 0; d < shape.Length; d++)
        {
            idx[d] = shape[d] == 1 ? 0 : outIdx[d + offset];
        }

        return Ravel(idx, shape);
    }

    private static long Permuted(long[] outIdx, long[] perm, long[] shape)
    {
        var idx = new long[shape.Length];
        for (var d = 0; d < shape.Length; d++)
        {
            idx[perm[d]] = outIdx[d];
        }

        return Ravel(idx, shape);
    }

    private static (long[], double[]) Map(long[] outShape, (long[] S, double[] D) x, Func<long[], long, long> source)
    {
        var n = outShape.Aggregate(1L, (p, d) => p * d);
        var y = new double[n];
        for (long i = 0; i < n; i++)
        {
            y[i] = x.D[source(Unravel(i, outShape), i)];
        }

        return (outShape, y);
    }

    private static (long[], double[]) Elementwise3(long[] outShape, (long[] S, double[] D) a, (long[] S, double[] D) b, (long[] S, double[] D) c,
        Func<double, double, double, double> f)
    {
        var n = outShape.Aggregate(1L, (p, d) => p * d);
        var y = new double[n];
        for (long i = 0; i < n; i++)
        {
            var idx = Unravel(i, outShape);
            y[i] = f(a.D[BroadcastIndex(idx, a.S)], b.D[BroadcastIndex(idx, b.S)], c.D[BroadcastIndex(idx, c.S)]);
        }

        return (outShape, y);
    }

    private static (long[], double[]) SliceOf(Slice op, (long[] S, double[] D) x, long[] outShape)
    {
        var first = new long[x.S.Length];
        var step = Enumerable.Repeat(1L, x.S.Length).ToArray();
        for (var i = 0; i < op.Axes.Length; i++)
        {
            var axis = ShapeMath.Axis(op.Axes[i], x.S.Length);
            first[axis] = Slice.Range(x.S[axis], op.Starts[i], op.Ends[i], op.Steps[i]).First;
            step[axis] = op.Steps[i];
        }

        return Map(outShape, x, (idx, _) => Ravel([.. idx.Select((v, d) => first[d] + (v * step[d]))], x.S));
    }

    private static (long[], double[]) ConcatOf(Concat op, (long[] S, double[] D)[] parts, long[] outShape)
    {
        var axis = ShapeMath.Axis(op.Axis, outShape.Length);
        var n = outShape.Aggregate(1L, (p, d) => p * d);
        var y = new double[n];
        for (long i = 0; i < n; i++)
        {
            var idx = Unravel(i, outShape);
            var k = 0;
            while (idx[axis] >= parts[k].S[axis])
            {
                idx[axis] -= parts[k].S[axis];
                k++;
            }

            y[i] = parts[k].D[Ravel(idx, parts[k].S)];
        }

        return (outShape, y);
    }

    private static (long[], double[]) ReduceOf(Reduce op, (long[] S, double[] D) x, long[] outShape)
    {
        var axes = op.Axes.Length == 0 ? Enumerable.Range(0, x.S.Length).ToHashSet() : op.Axes.Select(a => ShapeMath.Axis(a, x.S.Length)).ToHashSet();
        var keptShape = x.S.Select((d, i) => axes.Contains(i) ? 1 : d).ToArray();
        var n = keptShape.Aggregate(1L, (p, d) => p * d);
        var acc = new double[n];
        var count = new long[n];
        Array.Fill(acc, op.Kind switch { ReduceKind.Max => double.NegativeInfinity, ReduceKind.Min => double.PositiveInfinity, ReduceKind.Prod => 1, _ => 0 });
        for (long i = 0; i < x.D.Length; i++)
        {
            var idx = Unravel(i, x.S);
            foreach (var a in axes)
            {
                idx[a] = 0;
            }

            var o = Ravel(idx, keptShape);
            var v = x.D[i];
            acc[o] = op.Kind switch
            {
                ReduceKind.Max => Math.Max(acc[o], v),
                ReduceKind.Min => Math.Min(acc[o], v),
                ReduceKind.Prod => acc[o] * v,
                ReduceKind.SumSquare => acc[o] + (v * v),
                _ => acc[o] + v,
            };
            count[o]++;
        }

        if (op.Kind == ReduceKind.Mean)
        {
            for (var i = 0; i < n; i++)
            {
                acc[i] /= count[i];
            }
        }

        return (outShape, acc);
    }

    private static (long[], double[]) BatchedMatMul((long[] S, double[] D) a, (long[] S, double[] D) b, long[] outShape)
    {
        long m = a.S[^2], k = a.S[^1], n = b.S[^1];
        var batch = outShape.Take(outShape.Length - 2).ToArray();
        var count = batch.Aggregate(1L, (p, d) => p * d);
        var y = new double[count * m * n];
        for (long t = 0; t < count; t++)
        {
            var bidx = Unravel(t, batch);
            var aBase = BroadcastIndex([.. bidx, 0, 0], a.S);
            var bBase = BroadcastIndex([.. bidx, 0, 0], b.S);
            for (long i = 0; i < m; i++)
            {
                for (long j = 0; j < n; j++)
                {
                    double sum = 0;
                    for (long q = 0; q < k; q++)
                    {
                        sum += a.D[aBase + (i * k) + q] * b.D[bBase + (q * n) + j];
                    }

                    y[(((t * m) + i) * n) + j] = sum;
                }
            }
        }

        return (outShape, y);
    }

    private static (long[], double[]) Deconvolution(ConvTranspose op, (long[] S, double[] D) x, (long[] S, double[] D) w, double[]? bias, long[] outShape)
    {
        long n = x.S[0], c = x.S[1], h = x.S[2], wd = x.S[3], og = w.S[1], kh = w.S[2], kw = w.S[3];
        long oc = outShape[1], oh = outShape[2], ow = outShape[3];
        var cg = c / op.Group;
        var y = new double[n * oc * oh * ow];
        for (long b = 0; b < n; b++)
        {
            for (long ic = 0; ic < c; ic++)
            {
                var g = ic / cg;
                for (long i = 0; i < h; i++)
                {
                    for (long j = 0; j < wd; j++)
                    {
                        var v = x.D[(((b * c) + ic) * h * wd) + (i * wd) + j];
                        for (long o = 0; o < og; o++)
                        {
                            for (long p = 0; p < kh; p++)
                            {
                                var yy = (i * op.Strides[0]) - op.Pads[0] + (p * op.Dilations[0]);
                                if (yy < 0 || yy >= oh)
                                {
                                    continue;
                                }

                                for (long q = 0; q < kw; q++)
                                {
                                    var xx = (j * op.Strides[1]) - op.Pads[1] + (q * op.Dilations[1]);
                                    if (xx < 0 || xx >= ow)
                                    {
                                        continue;
                                    }

                                    y[(((b * oc) + (g * og) + o) * oh * ow) + (yy * ow) + xx] += v * w.D[(((ic * og) + o) * kh * kw) + (p * kw) + q];
                                }
                            }
                        }
                    }
                }
            }
        }

        if (bias is not null)
        {
            for (long i = 0; i < y.Length; i++)
            {
                y[i] += bias[i / (oh * ow) % oc];
            }
        }

        return (outShape, y);
    }

    private static (long[], double[]) PadOf(Pad op, (long[] S, double[] D) x, long[] outShape)
    {
        var rank = x.S.Length;
        var n = outShape.Aggregate(1L, (p, d) => p * d);
        var y = new double[n];
        for (long i = 0; i < n; i++)
        {
            var idx = Unravel(i, outShape);
            var inside = true;
            for (var d = 0; d < rank; d++)
            {
                var v = idx[d] - op.Pads[d];
                var len = x.S[d];
                if (v < 0 || v >= len)
                {
                    switch (op.Mode)
                    {
                        case PadMode.Constant: inside = false; break;
                        case PadMode.Edge: v = Math.Clamp(v, 0, len - 1); break;
                        default: v = v < 0 ? -v : (2 * (len - 1)) - v; break;
                    }
                }

                idx[d] = v;
            }

            y[i] = inside ? x.D[Ravel(idx, x.S)] : op.ConstantValue;
        }

        return (outShape, y);
    }

    private static (long[], double[]) GatherOf(Gather op, (long[] S, double[] D) x, (long[] S, double[] D) index, long[] outShape)
    {
        var axis = ShapeMath.Axis(op.Axis, x.S.Length);
        var ir = index.S.Length;
        return Map(outShape, x, (idx, _) =>
        {
            var src = new long[x.S.Length];
            for (var d = 0; d < axis; d++)
            {
                src[d] = idx[d];
            }

            var k = (long)index.D[Ravel(idx[axis..(axis + ir)], index.S)];
            src[axis] = k < 0 ? k + x.S[axis] : k;
            for (var d = axis + 1; d < x.S.Length; d++)
            {
                src[d] = idx[d + ir - 1];
            }

            return Ravel(src, x.S);
        });
    }

    private static (long[], double[]) GatherElementsOf(GatherElements op, (long[] S, double[] D) x, (long[] S, double[] D) index, long[] outShape)
    {
        var axis = ShapeMath.Axis(op.Axis, x.S.Length);
        return Map(outShape, x, (idx, flat) =>
        {
            var src = (long[])idx.Clone();
            src[axis] = (long)index.D[flat];
            return Ravel(src, x.S);
        });
    }

    private static (long[], double[]) LayerNormOf(LayerNorm op, (long[] S, double[] D) x, double[]? scale, double[]? bias)
    {
        var axis = ShapeMath.Axis(op.Axis, x.S.Length);
        var group = x.S.Skip(axis).Aggregate(1L, (p, d) => p * d);
        var y = new double[x.D.Length];
        for (long start = 0; start < x.D.Length; start += group)
        {
            var slice = x.D.AsSpan((int)start, (int)group).ToArray();
            var mean = slice.Average();
            var variance = slice.Select(v => (v - mean) * (v - mean)).Average();
            for (long i = 0; i < group; i++)
            {
                var v = (slice[i] - mean) / Math.Sqrt(variance + op.Epsilon);
                y[start + i] = (v * (scale?[i] ?? 1)) + (bias?[i] ?? 0);
            }
        }

        return (x.S, y);
    }

    private static (long[], double[]) ArgOf(ArgReduce op, (long[] S, double[] D) x, long[] outShape)
    {
        var axis = ShapeMath.Axis(op.Axis, x.S.Length);
        var inner = x.S.Skip(axis + 1).Aggregate(1L, (p, d) => p * d);
        var len = x.S[axis];
        var outer = x.D.Length / (inner * len);
        var y = new double[outer * inner];
        for (long o = 0; o < outer; o++)
        {
            for (long i = 0; i < inner; i++)
            {
                long best = 0;
                for (long k = 1; k < len; k++)
                {
                    var v = x.D[(((o * len) + k) * inner) + i];
                    var b = x.D[(((o * len) + best) * inner) + i];
                    if (op.IsMax ? v > b : v < b)
                    {
                        best = k;
                    }
                }

                y[(o * inner) + i] = best;
            }
        }

        return (outShape, y);
    }

    private static ((long[], double[]), (long[], double[])) TopKOf(TopK op, (long[] S, double[] D) x, long[] outShape)
    {
        var len = x.S[^1];
        var rows = x.D.Length / len;
        var values = new List<double>();
        var indices = new List<double>();
        for (long r = 0; r < rows; r++)
        {
            var row = Enumerable.Range(0, (int)len).Select(k => (Value: x.D[(r * len) + k], Index: (double)k));
            var sorted = (op.Largest ? row.OrderByDescending(p => p.Value) : row.OrderBy(p => p.Value)).Take((int)op.K).ToList();
            values.AddRange(sorted.Select(p => p.Value));
            indices.AddRange(sorted.Select(p => p.Index));
        }

        return ((outShape, values.ToArray()), (outShape, indices.ToArray()));
    }

    private static (long[], double[]) AdaptiveAverage((long[] S, double[] D) x, long[] size)
    {
        long n = x.S[0], c = x.S[1], h = x.S[2], w = x.S[3], oh = size[0], ow = size[1];
        var y = new double[n * c * oh * ow];
        for (long plane = 0; plane < n * c; plane++)
        {
            for (long i = 0; i < oh; i++)
            {
                for (long j = 0; j < ow; j++)
                {
                    long y0 = i * h / oh, y1 = (((i + 1) * h) + oh - 1) / oh, x0 = j * w / ow, x1 = (((j + 1) * w) + ow - 1) / ow;
                    double sum = 0;
                    for (var p = y0; p < y1; p++)
                    {
                        for (var q = x0; q < x1; q++)
                        {
                            sum += x.D[(plane * h * w) + (p * w) + q];
                        }
                    }

                    y[(plane * oh * ow) + (i * ow) + j] = sum / ((y1 - y0) * (x1 - x0));
                }
            }
        }

        return ([n, c, oh, ow], y);
    }

    private static (long[], double[]) ResizeOf(Resize op, (long[] S, double[] D) x)
    {
        long n = x.S[0], c = x.S[1], h = x.S[2], w = x.S[3], oh = op.Sizes[2], ow = op.Sizes[3];
        var y = new double[n * c * oh * ow];
        double Source(long dst, long input, long output, int axis)
        {
            var scale = op.Scales is { } sc ? 1.0 / sc[axis] : (double)input / output;
            return op.Coordinates switch
            {
                CoordinateTransform.AlignCorners => output == 1 ? 0 : dst * (input - 1.0) / (output - 1.0),
                CoordinateTransform.Asymmetric => dst * scale,
                _ => ((dst + 0.5) * scale) - 0.5,
            };
        }

        for (long plane = 0; plane < n * c; plane++)
        {
            for (long i = 0; i < oh; i++)
            {
                for (long j = 0; j < ow; j++)
                {
                    var sy = Source(i, h, oh, 2);
                    var sx = Source(j, w, ow, 3);
                    double v;
                    if (op.Mode == ResizeMode.Nearest)
                    {
                        v = x.D[(plane * h * w) + (Math.Min((long)Math.Floor(sy), h - 1) * w) + Math.Min((long)Math.Floor(sx), w - 1)];
                    }
                    else
                    {
                        sy = Math.Clamp(sy, 0, h - 1);
                        sx = Math.Clamp(sx, 0, w - 1);
                        long y0 = (long)Math.Floor(sy), x0 = (long)Math.Floor(sx);
                        long y1 = Math.Min(y0 + 1, h - 1), x1 = Math.Min(x0 + 1, w - 1);
                        double fy = sy - y0, fx = sx - x0;
                        double At(long yy, long xx) => x.D[(plane * h * w) + (yy * w) + xx];
                        v = (At(y0, x0) * (1 - fy) * (1 - fx)) + (At(y0, x1) * (1 - fy) * fx) + (At(y1, x0) * fy * (1 - fx)) + (At(y1, x1) * fy * fx);
                    }

                    y[(plane * oh * ow) + (i * ow) + j] = v;
                }
            }
        }

        return ([n, c, oh, ow], y);
    }
}
