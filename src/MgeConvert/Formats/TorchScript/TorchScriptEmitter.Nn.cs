using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using static MgeConvert.Formats.TorchScript.TorchScriptLiterals;

namespace MgeConvert.Formats.TorchScript;

internal sealed partial class TorchScriptEmitter
{
    private bool Lower(Node node) => node.Op switch
    {
        Conv conv => LowerConv(node, conv),
        ConvTranspose deconv => LowerConvTranspose(node, deconv),
        Pool pool => LowerPool(node, pool),
        GlobalPool pool => LowerGlobalPool(node, pool),
        AdaptivePool pool => LowerAdaptivePool(node, pool),
        BatchNorm bn => Single(node, Call("batch_norm", X(node, 0), X(node, 1), X(node, 2), X(node, 3), X(node, 4), "False", "0.1", Float(bn.Epsilon), "True")),
        InstanceNorm norm => Single(node, Call("instance_norm", X(node, 0), X(node, 1), X(node, 2), null, null, "True", "0.1", Float(norm.Epsilon), "True")),
        LayerNorm norm => LowerLayerNorm(node, norm),
        Gemm gemm => LowerGemm(node, gemm),
        MatMul => Single(node, Call("matmul", X(node, 0), X(node, 1))),
        Softmax softmax => Single(node, Call("softmax", X(node, 0), Int(softmax.Axis), null)),
        LogSoftmax softmax => Single(node, Call("log_softmax", X(node, 0), Int(softmax.Axis), null)),
        Resize resize => LowerResize(node, resize),
        Unary unary => LowerUnary(node, unary),
        Binary binary => LowerBinary(node, binary),
        Where => Single(node, Call("where", X(node, 0), X(node, 1), X(node, 2))),
        Clip clip => Single(node, Call("clamp", X(node, 0), ClipBound(clip.Min), ClipBound(clip.Max))),
        LeakyRelu relu => Single(node, Call("leaky_relu", X(node, 0), Float(relu.Alpha))),
        Elu elu => Single(node, Call("elu", X(node, 0), Float(elu.Alpha), "1", "1")),
        Selu selu => Single(node, Call("elu", X(node, 0), Float(selu.Alpha), Float(selu.Gamma), "1")),
        // PyTorch's hardsigmoid is relu6(x + 3) / 6, MegEngine's hsigmoid.
        HardSigmoid { Alpha: 1f / 6, Beta: 0.5f } => Single(node, Call("hardsigmoid", X(node, 0))),
        HardSigmoid hs => Single(node, Call("clamp", Call("add", Call("mul", X(node, 0), Float(hs.Alpha)), Float(hs.Beta)), "0.", "1.")),
        Gelu gelu => Single(node, gelu.TanhApproximation ? $"torch.gelu({X(node, 0)}, approximate=\"tanh\")" : Call("gelu", X(node, 0))),
        PRelu => Single(node, Call("where", Call("ge", X(node, 0), "0"), X(node, 0), Call("mul", X(node, 0), X(node, 1)))),
        Identity or Dropout => Alias(node),
        Cast cast => LowerCast(node, cast),
        _ => LowerTensorOp(node),
    };

    private bool Single(Node node, string expression)
    {
        Let(Out(node), expression);
        return true;
    }

    private bool Alias(Node node)
    {
        _names[node.Output] = X(node, 0);
        return true;
    }

    private static string? ClipBound(float bound) =>
        float.IsInfinity(bound) || Math.Abs(bound) >= float.MaxValue ? null : Float(bound);

    /// <summary>torch pad lists run from the last axis backwards: [last_begin, last_end, previous_begin, ...].</summary>
    private static long[] TorchPads(long[] begins, long[] ends)
    {
        var pads = new long[2 * begins.Length];
        for (var i = 0; i < begins.Length; i++)
        {
            var axis = begins.Length - 1 - i;
            pads[2 * i] = begins[axis];
            pads[(2 * i) + 1] = ends[axis];
        }

        return pads;
    }

    private static bool Symmetric(long[] pads, int n) => Enumerable.Range(0, n).All(i => pads[i] == pads[i + n]);

    private string PadInput(string x, long[] pads, int n, string value)
    {
        var padded = Temp();
        Let(padded, Call("constant_pad_nd", x, Ints(TorchPads(pads[..n], pads[n..])), value));
        return padded;
    }

    private bool LowerConv(Node node, Conv conv)
    {
        var n = conv.SpatialRank;
        var x = X(node, 0);
        var pads = conv.Pads;
        if (!Symmetric(pads, n))
        {
            x = PadInput(x, pads, n, "0.");
            pads = new long[2 * n];
        }

        var y = Out(node);
        Let(y, Call($"conv{n}d", x, X(node, 1), Optional(node, 2), Ints(conv.Strides), Ints(pads[..n]), Ints(conv.Dilations), Int(conv.Group)));
        Activate(y, conv.Activation);
        return true;
    }

    private bool LowerConvTranspose(Node node, ConvTranspose deconv)
    {
        var n = deconv.SpatialRank;
        var outputPadding = deconv.OutputPadding ?? new long[n];
        var native = Symmetric(deconv.Pads, n)
            && Enumerable.Range(0, n).All(i => outputPadding[i] < Math.Max(deconv.Strides[i], deconv.Dilations[i]));
        var y = Out(node);
        if (native)
        {
            Let(y, Call($"conv_transpose{n}d", X(node, 0), X(node, 1), Optional(node, 2), Ints(deconv.Strides), Ints(deconv.Pads[..n]),
                Ints(outputPadding), Int(deconv.Group), Ints(deconv.Dilations)));
        }
        else
        {
            // Full transposed convolution, then crop (negative pads) or extend to the requested borders; the bias
            // is added afterwards so that extended borders get it too.
            var zeros = new long[n];
            Let(y, Call($"conv_transpose{n}d", X(node, 0), X(node, 1), null, Ints(deconv.Strides), Ints(zeros), Ints(zeros), Int(deconv.Group),
                Ints(deconv.Dilations)));
            var begins = deconv.Pads[..n].Select(p => -p).ToArray();
            var ends = Enumerable.Range(0, n).Select(i => outputPadding[i] - deconv.Pads[n + i]).ToArray();
            Let(y, Call("constant_pad_nd", y, Ints(TorchPads(begins, ends)), "0."));
            if (Optional(node, 2) is { } bias)
            {
                Let(y, Call("add", y, Call("reshape", bias, Ints([-1, .. Enumerable.Repeat(1L, n)]))));
            }
        }

        Activate(y, deconv.Activation);
        return true;
    }

    private bool LowerPool(Node node, Pool pool)
    {
        var n = pool.Kernel.Length;
        if (n is < 1 or > 3)
        {
            throw new NotExpressibleException($"{n}-d pooling");
        }

        var x = X(node, 0);
        var pads = pool.Pads;
        var fits = Symmetric(pads, n) && Enumerable.Range(0, n).All(i => pads[i] * 2 <= pool.Kernel[i]);
        var y = Out(node);
        var ones = Ints(Enumerable.Repeat(1L, n));
        if (pool.Kind == PoolKind.Max)
        {
            var ceil = pool.CeilMode;
            if (!fits)
            {
                // Explicit -inf borders; in ceil mode the end border is sized so that floor mode yields exactly
                // the windows the op keeps (PyTorch would also keep windows starting in the end border).
                x = PadInput(x, ceil ? CeilModeBorders(node, pool) : pads, n, Float(double.NegativeInfinity));
                pads = new long[2 * n];
                ceil = false;
            }

            Let(y, Call($"max_pool{n}d", x, Ints(pool.Kernel), Ints(pool.Strides), Ints(pads[..n]), ones, Bool(ceil)));
            return true;
        }

        if (fits)
        {
            Let(y, AvgPool(n, x, pool, pads[..n], pool.CountIncludePad));
            return true;
        }

        if (pool.CeilMode)
        {
            throw new NotExpressibleException("average pooling with ceil mode and padding PyTorch cannot take");
        }

        var zeros = new long[n];
        var padded = PadInput(x, pads, n, "0.");
        Let(y, AvgPool(n, padded, pool, zeros, true));
        if (!pool.CountIncludePad)
        {
            // Sum over the window divided by the number of real elements in it: the ratio of two averages
            // over the zero-padded input and a zero-padded mask of ones.
            var mask = Temp();
            Let(mask, Call("unsqueeze", Call("unsqueeze", Call("ones_like", Call("select", Call("select", x, "0", "0"), "0", "0")), "0"), "0"));
            mask = PadInput(mask, pads, n, "0.");
            Let(y, Call("div", y, AvgPool(n, mask, pool, zeros, true)));
        }

        return true;
    }

    private static long[] CeilModeBorders(Node node, Pool pool)
    {
        var n = pool.Kernel.Length;
        var input = node.Input(0).Shape;
        var output = node.Output.Shape;
        var pads = (long[])pool.Pads.Clone();
        for (var i = 0; i < n; i++)
        {
            if (input[i + 2] < 0 || output[i + 2] < 0)
            {
                throw new NotExpressibleException("ceil-mode pooling with asymmetric padding over axes of unknown length");
            }

            pads[n + i] = ((output[i + 2] - 1) * pool.Strides[i]) + pool.Kernel[i] - input[i + 2] - pads[i];
        }

        return pads;
    }

    private static string AvgPool(int n, string x, Pool pool, long[] pads, bool countIncludePad)
    {
        var args = new List<string?> { x, Ints(pool.Kernel), Ints(pool.Strides), Ints(pads), Bool(pool.CeilMode), Bool(countIncludePad) };
        if (n > 1)
        {
            args.Add(null);
        }

        return Call($"avg_pool{n}d", [.. args]);
    }

    private bool LowerGlobalPool(Node node, GlobalPool pool)
    {
        var rank = node.Input(0).Shape.Rank;
        var axes = Ints(Enumerable.Range(2, rank - 2).Select(a => (long)a));
        return Single(node, Call(pool.Kind == PoolKind.Max ? "amax" : "mean", X(node, 0), axes, "True"));
    }

    private bool LowerAdaptivePool(Node node, AdaptivePool pool)
    {
        var n = pool.OutputSize.Length;
        if (n is < 1 or > 3)
        {
            throw new NotExpressibleException($"{n}-d adaptive pooling");
        }

        var kind = pool.Kind == PoolKind.Max ? "max" : "avg";
        var call = Call($"adaptive_{kind}_pool{n}d", X(node, 0), Ints(pool.OutputSize));
        return Single(node, pool.Kind == PoolKind.Max ? $"({call})[0]" : call);
    }

    private bool LowerLayerNorm(Node node, LayerNorm norm)
    {
        var shape = node.Input(0).Shape;
        var axis = ShapeMath.Axis(norm.Axis, shape.Rank);
        var normalized = shape.Skip(axis).ToArray();
        if (normalized.Any(d => d < 0))
        {
            throw new NotExpressibleException($"normalized axes of {shape} are not static");
        }

        return Single(node, Call("layer_norm", X(node, 0), Ints(normalized), Optional(node, 1), Optional(node, 2), Float(norm.Epsilon), "True"));
    }

    private bool LowerGemm(Node node, Gemm gemm)
    {
        if (!gemm.TransA && gemm.TransB && gemm.Alpha == 1f && (node.InputOrNull(2) is null || gemm.Beta == 1f))
        {
            // aten::linear takes the (out, in) weight as stored: no transpose at run time.
            var linear = Out(node);
            Let(linear, Call("linear", X(node, 0), X(node, 1), Optional(node, 2)));
            Activate(linear, gemm.Activation);
            return true;
        }

        var a = gemm.TransA ? Call("t", X(node, 0)) : X(node, 0);
        var b = gemm.TransB ? Call("t", X(node, 1)) : X(node, 1);
        var y = Out(node);
        if (Optional(node, 2) is { } c)
        {
            Let(y, $"torch.addmm({c}, {a}, {b}, beta={Float(gemm.Beta)}, alpha={Float(gemm.Alpha)})");
        }
        else
        {
            Let(y, Call("mm", a, b));
            if (gemm.Alpha != 1f)
            {
                Let(y, Call("mul", y, Float(gemm.Alpha)));
            }
        }

        Activate(y, gemm.Activation);
        return true;
    }

    private bool LowerResize(Node node, Resize resize)
    {
        var input = node.Input(0).Shape;
        var rank = resize.Sizes.Length;
        var n = rank - 2;
        if (n is < 1 or > 3 || input[0] != resize.Sizes[0] || input[1] != resize.Sizes[1])
        {
            throw new NotExpressibleException("resize of other than the spatial axes of (N, C, spatial...)");
        }

        var size = Ints(resize.Sizes[2..]);
        var scales = resize.Scales is { } s ? s[2..].Select(v => (string?)Float(v)).ToArray() : new string?[n];
        string Upsample(string name, params string?[] middle) => Call(name, [X(node, 0), size, .. middle, .. scales]);
        var dims = n switch { 1 => "linear1d", 2 => "bilinear2d", _ => "trilinear3d" };
        var expression = (resize.Mode, resize.Coordinates, resize.Rounding) switch
        {
            (ResizeMode.Nearest, CoordinateTransform.Asymmetric, NearestRounding.Floor) => Upsample($"upsample_nearest{n}d"),
            (ResizeMode.Nearest, CoordinateTransform.HalfPixel or CoordinateTransform.PytorchHalfPixel, NearestRounding.RoundPreferCeil)
                => Upsample($"_upsample_nearest_exact{n}d"),
            (ResizeMode.Linear, CoordinateTransform.AlignCorners, _) => Upsample($"upsample_{dims}", "True"),
            (ResizeMode.Linear, CoordinateTransform.HalfPixel, _) => Upsample($"upsample_{dims}", "False"),
            (ResizeMode.Linear, CoordinateTransform.PytorchHalfPixel, _) when resize.Sizes[2..].All(d => d > 1)
                => Upsample($"upsample_{dims}", "False"),
            (ResizeMode.Cubic, CoordinateTransform.AlignCorners, _) when n == 2 && resize.CubicCoefficient == -0.75f
                => Upsample("upsample_bicubic2d", "True"),
            (ResizeMode.Cubic, CoordinateTransform.HalfPixel or CoordinateTransform.PytorchHalfPixel, _) when n == 2 && resize.CubicCoefficient == -0.75f
                => Upsample("upsample_bicubic2d", "False"),
            _ => throw new NotExpressibleException($"{resize.Mode} resize with {resize.Coordinates} coordinates and {resize.Rounding} rounding"),
        };
        return Single(node, expression);
    }
}
