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
        or Unary { Function: UnaryFunction.Relu or UnaryFunction.Sigmoid or UnaryFunction.Tanh or UnaryFunction.Exp or UnaryFunction.Abs } or Identity
        or Reshape or Pool { Kernel.Length: 2 } or GlobalPool { Kind: PoolKind.Average } or Softmax
        || (n.Op is Binary { Function: BinaryFunction.Add or BinaryFunction.Mul, Activation: FusedActivation.None } && n.Input(0).Shape.Equals(n.Input(1).Shape)));

    public static Dictionary<Value, (long[] Shape, double[] Data)> Run(Graph graph, IReadOnlyList<Tensor> inputs)
    {
        var env = new Dictionary<Value, (long[], double[])>();
        for (var i = 0; i < inputs.Count; i++)
        {
            env[graph.Inputs[i]] = (inputs[i].Shape.ToArray(), inputs[i].ToDoubles());
        }

        (long[] Shape, double[] Data) Get(Value v) => v.Constant is { } c ? (c.Shape.ToArray(), c.ToDoubles()) : env[v];
        foreach (var node in graph.Nodes)
        {
            var x = Get(node.Input(0));
            env[node.Output] = node.Op switch
            {
                Conv conv => Convolution(conv, x, Get(node.Input(1)), node.InputOrNull(2) is { } b ? Get(b).Data : null),
                Gemm gemm => Dense(gemm, x, Get(node.Input(1)), node.InputOrNull(2) is { } b ? Get(b).Data : null),
                BatchNorm bn => Normalize(bn, x, Get(node.Input(1)).Data, Get(node.Input(2)).Data, Get(node.Input(3)).Data, Get(node.Input(4)).Data),
                Unary u => (x.Shape, x.Data.Select(v => u.Function switch
                {
                    UnaryFunction.Relu => Math.Max(v, 0),
                    UnaryFunction.Sigmoid => 1 / (1 + Math.Exp(-v)),
                    UnaryFunction.Tanh => Math.Tanh(v),
                    UnaryFunction.Exp => Math.Exp(v),
                    _ => Math.Abs(v),
                }).ToArray()),
                Reshape => (node.Output.Shape.ToArray(), x.Data),
                Pool pool => Pooling(pool, x),
                GlobalPool => Pooling(new Pool(PoolKind.Average, [x.Shape[2], x.Shape[3]], [1, 1], [0, 0, 0, 0]), x),
                Softmax softmax => SoftmaxAlong(softmax, x),
                Identity => x,
                Binary binary => Broadcast(binary.Function, x, Get(node.Input(1))),
                _ => throw new InvalidOperationException(node.Op.Name),
            };
        }

        return env;
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

    private static (long[], double[]) Broadcast(BinaryFunction f, (long[] S, double[] D) a, (long[] S, double[] D) b)
    {
        if (!a.S.SequenceEqual(b.S))
        {
            throw new InvalidOperationException("the tiny evaluator only adds equal shapes");
        }

        return (a.S, a.D.Zip(b.D, (u, v) => f == BinaryFunction.Add ? u + v : u * v).ToArray());
    }
}
