using MgeConvert.Formats.Mge.Fbs;
using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using IrReduce = MgeConvert.Ir.Ops.Reduce;

namespace MgeConvert.Formats.Mge;

/// <summary>Arithmetic, reduction, pooling, normalization and type-conversion operators (§9).</summary>
internal static class MgeComputeOps
{
    private const int ReduceToTargetShape = int.MaxValue;

    public static Value?[] Elemwise(MgeConversion cx)
    {
        var mode = cx.Param<Fbs.Elemwise>(OperatorParam.Elemwise).Mode;
        var inputs = Enumerable.Range(0, cx.InputCount).Select(cx.In).ToArray();
        var y = MgeElemwiseModes.Apply(cx, mode, [.. inputs.Select(cx.Float)]);
        return [cx.To(y, cx.OutputDType(inputs[0].DType))];
    }

    public static Value?[] ElemwiseMultiType(MgeConversion cx)
    {
        var raw = cx.Param<Fbs.ElemwiseMultiType>(OperatorParam.ElemwiseMultiType).Mode;
        var mode = MgeElemwiseModes.FromMultiType(raw) ?? throw new MgeUnsupportedException($"ElemwiseMultiType mode {raw} is not supported");
        var inputs = Enumerable.Range(0, cx.InputCount).Select(i => cx.Float(cx.In(i))).ToArray();
        var y = MgeElemwiseModes.Apply(cx, mode, inputs);
        return [cx.To(y, cx.OutputDType(y.DType))];
    }

    public static Value?[] TypeCvt(MgeConversion cx)
    {
        var p = cx.Param<Fbs.DType>(OperatorParam.DType);
        var target = MgeDTypes.Require(MgeDType.From(p), cx.Current.Describe + " target");
        return [cx.To(cx.In(0), target)];
    }

    public static Value?[] PowC(MgeConversion cx)
    {
        var e = cx.Param<Fbs.PowC>(OperatorParam.PowC).Exp;
        var x = cx.Float(cx.In(0));
        var y = e switch
        {
            1f => x,
            2f => cx.Apply(new Binary(BinaryFunction.Mul), x, x),
            0.5f => cx.Apply(new Unary(UnaryFunction.Sqrt), x),
            -1f => cx.Apply(new Unary(UnaryFunction.Reciprocal), x),
            _ => cx.Apply(new Binary(BinaryFunction.Pow), x, cx.Scalar(e, x.DType)),
        };
        return [cx.To(y, cx.OutputDType(cx.In(0).DType))];
    }

    public static Value?[] Reduce(MgeConversion cx)
    {
        var p = cx.Param<Fbs.Reduce>(OperatorParam.Reduce);
        var input = cx.In(0);
        var x = cx.Float(input);
        var kind = p.Mode switch
        {
            ReduceMode.SUM => ReduceKind.Sum,
            ReduceMode.SUM_SQR => ReduceKind.SumSquare,
            ReduceMode.PRODUCT => ReduceKind.Prod,
            ReduceMode.MIN_ => ReduceKind.Min,
            ReduceMode.MAX_ => ReduceKind.Max,
            ReduceMode.MEAN => ReduceKind.Mean,
            var m => throw new MgeUnsupportedException($"Reduce mode {m} is not supported"),
        };
        Value y;
        if (p.Axis != ReduceToTargetShape)
        {
            y = cx.Apply(new IrReduce(kind, [p.Axis], KeepDims: true), x);
        }
        else
        {
            var target = cx.ConstInts(1, "reduce target shape");
            y = ReduceTo(cx, kind, x, target);
        }

        return [cx.To(y, cx.OutputDType(input.DType))];
    }

    private static Value ReduceTo(MgeConversion cx, ReduceKind kind, Value x, long[] target)
    {
        var s = x.Shape;
        if (!s.HasRank)
        {
            throw new MgeUnsupportedException("Reduce to a target shape needs an input of known rank");
        }

        if (s.Rank == target.Length)
        {
            var axes = Enumerable.Range(0, s.Rank).Where(i => s[i] != target[i]).Select(i => (long)i).ToArray();
            if (axes.Any(a => target[a] != 1))
            {
                throw new MgeUnsupportedException($"Reduce from {s} to [{string.Join(",", target)}] is not a reduction");
            }

            return axes.Length == 0 ? x : cx.Apply(new IrReduce(kind, axes, KeepDims: true), x);
        }

        if (target.Aggregate(1L, (a, b) => a * b) != 1)
        {
            throw new MgeUnsupportedException($"Reduce from {s} to [{string.Join(",", target)}] is not supported");
        }

        var all = cx.Apply(new IrReduce(kind, [.. Enumerable.Range(0, s.Rank).Select(i => (long)i)], KeepDims: false), x);
        return cx.Apply(new Reshape(target), all);
    }

    public static Value?[] Pooling(MgeConversion cx)
    {
        var p = cx.Param<Fbs.Pooling>(OperatorParam.Pooling);
        RequireNchw(p.Format);
        var input = cx.In(0);
        var kind = p.Mode == PoolingV0Mode.MAX_ ? PoolKind.Max : PoolKind.Average;
        var op = new Pool(kind, [p.WindowH, p.WindowW], [p.StrideH, p.StrideW], [p.PadH, p.PadW, p.PadH, p.PadW],
            CountIncludePad: p.Mode == PoolingV0Mode.AVERAGE);
        return [cx.To(cx.Apply(op, cx.Float(input)), cx.OutputDType(input.DType))];
    }

    public static Value?[] AdaptivePooling(MgeConversion cx)
    {
        var p = cx.Param<Fbs.AdaptivePooling>(OperatorParam.AdaptivePooling);
        RequireNchw(p.Format);
        var input = cx.In(0);
        var x = cx.Float(input);
        var size = cx.ConstInts(1, "adaptive pooling output shape");
        var kind = p.Mode == PoolingV0Mode.MAX_ ? PoolKind.Max : PoolKind.Average;
        Op op;
        if (size.All(d => d == 1))
        {
            op = new GlobalPool(kind);
        }
        else if (x.Shape is { IsStatic: true, Rank: 4 } s && size.Length == 2 && s[2] % size[0] == 0 && s[3] % size[1] == 0)
        {
            long[] k = [s[2] / size[0], s[3] / size[1]];
            op = new Pool(kind, k, k, [0, 0, 0, 0]);
        }
        else
        {
            op = new AdaptivePool(kind, size);
        }

        return [cx.To(cx.Apply(op, x), cx.OutputDType(input.DType))];
    }

    /// <summary>Inference BatchNorm: inputs x, scale, bias, mean, variance; the normalized result is the last output.</summary>
    public static Value?[] BatchNorm(MgeConversion cx)
    {
        var p = cx.Param<Fbs.BN>(OperatorParam.BN);
        if (p.FwdMode != BNFwdMode.INFERENCE)
        {
            throw new MgeUnsupportedException("BatchNorm in training mode (batch statistics) is not supported; dump the model in eval mode");
        }

        if (p.ParamDim != BNParamDim.DIM_1C11 || cx.InputCount < 5)
        {
            throw new MgeUnsupportedException($"BatchNorm with param_dim {p.ParamDim} and {cx.InputCount} inputs is not supported");
        }

        var x = cx.Float(cx.In(0));
        var channels = x.Shape.HasRank && x.Shape.Rank >= 2 ? x.Shape[1] : -1;
        var parameters = Enumerable.Range(1, 4).Select(i => (Value?)MgeConvOps.Reshaped(cx, cx.Float(cx.In(i)), [channels])).ToArray();
        var y = cx.Apply(new BatchNorm((float)p.Epsilon), [x, .. parameters]);
        var outputs = new Value?[cx.Current.Outputs.Count];
        outputs[^1] = cx.To(y, cx.OutputDType(cx.In(0).DType));
        return outputs;
    }

    public static Value?[] MatrixMul(MgeConversion cx)
    {
        var p = cx.Param<Fbs.MatrixMul>(OperatorParam.MatrixMul);
        RequireDefaultFormat(p.Format);
        var a = cx.In(0);
        var y = cx.Apply(new Gemm(p.TransposeA, p.TransposeB), cx.Float(a), cx.Float(cx.In(1)));
        return [cx.To(y, cx.OutputDType(a.DType))];
    }

    public static Value?[] BatchedMatrixMul(MgeConversion cx)
    {
        var p = cx.Param<Fbs.MatrixMul>(OperatorParam.MatrixMul);
        RequireDefaultFormat(p.Format);
        var a = cx.In(0);
        var fa = cx.Float(a);
        var fb = cx.Float(cx.In(1));
        var swap = new Transpose([0, 2, 1]);
        var y = cx.Apply(new MatMul(), p.TransposeA ? cx.Apply(swap, fa) : fa, p.TransposeB ? cx.Apply(swap, fb) : fb);
        return [cx.To(y, cx.OutputDType(a.DType))];
    }

    public static Value?[] Softmax(MgeConversion cx)
    {
        var axis = cx.Param<Fbs.Softmax>(OperatorParam.Softmax).Axis;
        var input = cx.In(0);
        return [cx.To(cx.Apply(new Ir.Ops.Softmax(axis), cx.Float(input)), cx.OutputDType(input.DType))];
    }

    /// <summary>Outputs (y, mean, rstd); only y is mapped.</summary>
    public static Value?[] LayerNorm(MgeConversion cx)
    {
        var p = cx.Param<Fbs.LayerNorm>(OperatorParam.LayerNorm);
        var input = cx.In(0);
        var inputs = new List<Value?> { cx.Float(input) };
        if (p.Affine && cx.InputCount >= 3)
        {
            inputs.Add(cx.Float(cx.In(1)));
            inputs.Add(cx.Float(cx.In(2)));
        }

        var y = cx.Apply(new Ir.Ops.LayerNorm(-(long)p.NormalizedDim, p.Eps), [.. inputs]);
        return [cx.To(y, cx.OutputDType(input.DType)), null, null];
    }

    /// <summary>Argmax/Argmin keep the axis (size 1) and return Int32.</summary>
    public static Value?[] ArgReduce(MgeConversion cx, bool isMax)
    {
        var axis = cx.Param<Fbs.Axis>(OperatorParam.Axis).Axis_;
        var y = cx.Apply(new ArgReduce(isMax, axis, KeepDims: true), cx.Float(cx.In(0)));
        return [cx.To(y, DataType.Int32)];
    }

    /// <summary>TopK on the last axis; k &lt; 0 takes the largest |k| elements; indices are Int32.</summary>
    public static Value?[] TopK(MgeConversion cx)
    {
        var mode = cx.Param<Fbs.TopK>(OperatorParam.TopK).Mode;
        if (mode == TopKMode.KTH_ONLY)
        {
            throw new MgeUnsupportedException("TopK mode KTH_ONLY is not supported");
        }

        var k = cx.ConstInts(1, "k");
        if (k.Length != 1 || k[0] == 0)
        {
            throw new MgeUnsupportedException($"TopK needs one non-zero k, got [{string.Join(",", k)}]");
        }

        var input = cx.In(0);
        var outputs = cx.ApplyMulti(new Ir.Ops.TopK(Math.Abs(k[0]), -1, Largest: k[0] < 0, Sorted: true), cx.Float(input));
        return [cx.To(outputs[0], cx.OutputDType(input.DType)), cx.To(outputs[1], DataType.Int32)];
    }

    public static Value?[] Padding(MgeConversion cx)
    {
        var p = cx.Param<Fbs.Padding>(OperatorParam.Padding);
        var input = cx.In(0);
        var rank = input.Shape.HasRank ? input.Shape.Rank : throw new MgeUnsupportedException("Padding needs an input of known rank");
        uint[] front = [p.FrontOffsetDim0, p.FrontOffsetDim1, p.FrontOffsetDim2, p.FrontOffsetDim3, p.FrontOffsetDim4, p.FrontOffsetDim5, p.FrontOffsetDim6];
        uint[] back = [p.BackOffsetDim0, p.BackOffsetDim1, p.BackOffsetDim2, p.BackOffsetDim3, p.BackOffsetDim4, p.BackOffsetDim5, p.BackOffsetDim6];
        var pads = front.Take(rank).Concat(back.Take(rank)).Select(v => (long)v).ToArray();
        var mode = p.PaddingMode switch
        {
            PaddingPaddingMode.CONSTANT => PadMode.Constant,
            PaddingPaddingMode.REFLECT => PadMode.Reflect,
            _ => PadMode.Edge,
        };
        var y = cx.Apply(new Pad(pads, mode, p.PaddingVal), cx.Float(input));
        return [cx.To(y, cx.OutputDType(input.DType))];
    }

    private static void RequireNchw(ConvolutionFormat format)
    {
        if (format != ConvolutionFormat.NCHW)
        {
            throw new MgeUnsupportedException($"tensor format {format} is not supported (only NCHW)");
        }
    }

    private static void RequireDefaultFormat(MatrixMulFormat format)
    {
        if (format != MatrixMulFormat.DEFAULT)
        {
            throw new MgeUnsupportedException($"MatrixMul format {format} is not supported");
        }
    }
}
