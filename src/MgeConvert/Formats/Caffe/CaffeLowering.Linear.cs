using MgeConvert.Formats.Caffe.Proto;
using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Formats.Caffe;

/// <summary>Fully connected layers and batch normalization.</summary>
internal sealed partial class CaffeLowering
{
    private void LowerGemm(Node node, Gemm gemm)
    {
        if (gemm.TransA)
        {
            throw new NotExpressibleException("InnerProduct cannot transpose its input");
        }

        var b = StaticShape(node.Input(1));
        var k = gemm.TransB ? b[1] : b[0];
        var n = gemm.TransB ? b[0] : b[1];
        var weightTensor = ConstantTensor(node, 1, "Gemm weight")!;
        void GemmWeights(Span<float> target)
        {
            if (gemm.TransB)
            {
                RealSpan(weightTensor).CopyTo(target);
            }
            else
            {
                Transpose2D(RealSpan(weightTensor), target, k, n);
            }

            if (gemm.Alpha != 1)
            {
                foreach (ref var v in target)
                {
                    v *= gemm.Alpha;
                }
            }
        }

        var bias = Constant(node, 2, "Gemm bias");
        if (bias.Length == 1)
        {
            bias = Enumerable.Repeat(bias[0], (int)n).ToArray();
        }
        else if (bias.Length != 0 && bias.Length != n)
        {
            throw new NotExpressibleException($"InnerProduct bias must have one value per output ({n}), got {node.Input(2).Shape}");
        }

        if (gemm.Beta != 1)
        {
            bias = Array.ConvertAll(bias, v => v * gemm.Beta);
        }

        EmitInnerProduct(node, GemmWeights, bias, n, k, axis: 1);
    }

    private void LowerMatMul(Node node)
    {
        var a = node.Input(0).Shape;
        var b = node.Input(1).Shape;
        if (!a.HasRank || a.Rank < 2 || !b.HasRank || b.Rank != 2)
        {
            throw new NotExpressibleException($"InnerProduct needs an input of rank >= 2 and a 2-D constant weight, got {a} x {b}");
        }

        var weightTensor = ConstantTensor(node, 1, "MatMul weight")!;
        EmitInnerProduct(node, target => Transpose2D(RealSpan(weightTensor), target, b[0], b[1]), [], b[1], b[0], axis: a.Rank - 1);
    }

    private void EmitInnerProduct(Node node, FillValues weights, float[] bias, long n, long k, int axis)
    {
        if (_foldedBatchNorms.TryGetValue(node, out var bn))
        {
            var unfolded = weights;
            weights = target =>
            {
                unfolded(target);
                FoldIntoWeights(bn, target, n);
            };
            bias = FoldedBias(bn, bias, n);
        }

        var input = node.Input(0);
        var bottom = input.Producer is { } p && _nnieDroppedFlattens.Contains(p) ? Blob(p.Input(0)) : Blob(input);
        var layer = Main(node, "InnerProduct", [bottom], [Define(FinalOutput(node))]);
        layer.InnerProductParam = new InnerProductParameter { NumOutput = (uint)n, BiasTerm = bias.Length > 0 };
        if (axis != 1)
        {
            layer.InnerProductParam.Axis = axis;
        }

        layer.Blobs.Add(Weights(weights, n, k));
        if (bias.Length > 0)
        {
            layer.Blobs.Add(Weights(bias, n));
        }
    }

    private void LowerBatchNorm(Node node, BatchNorm bn)
    {
        var channels = StaticShape(node.Input(0))[1];
        if (_options.FuseBn)
        {
            var (scale, shift) = BatchNormAffine(node, bn);
            var affine = Main(node, "Scale", [Blob(node.Input(0))], [Define(node.Output)]);
            affine.ScaleParam = new ScaleParameter { BiasTerm = true };
            affine.Blobs.Add(Weights(scale, channels));
            affine.Blobs.Add(Weights(shift, channels));
            return;
        }

        var gamma = Constant(node, 1, "BatchNorm scale");
        var beta = Constant(node, 2, "BatchNorm bias");
        var top = Define(node.Output);
        var norm = Main(node, "BatchNorm", [Blob(node.Input(0))], [top]);
        norm.BatchNormParam = new BatchNormParameter { UseGlobalStats = true, Eps = bn.Epsilon };
        norm.Blobs.Add(Weights(Constant(node, 3, "BatchNorm mean"), channels));
        norm.Blobs.Add(Weights(Constant(node, 4, "BatchNorm variance"), channels));
        norm.Blobs.Add(Weights([1f], 1));
        var scaleLayer = Extra(node, "scale", "Scale", [top], [top]);
        scaleLayer.ScaleParam = new ScaleParameter { BiasTerm = true };
        scaleLayer.Blobs.Add(Weights(gamma, channels));
        scaleLayer.Blobs.Add(Weights(beta, channels));
    }

    /// <summary>Inference batch norm as y = x·scale + shift per channel.</summary>
    private static (float[] Scale, float[] Shift) BatchNormAffine(Node node, BatchNorm bn)
    {
        var gamma = Constant(node, 1, "BatchNorm scale");
        var beta = Constant(node, 2, "BatchNorm bias");
        var mean = Constant(node, 3, "BatchNorm mean");
        var variance = Constant(node, 4, "BatchNorm variance");
        var scale = new float[gamma.Length];
        var shift = new float[gamma.Length];
        for (var c = 0; c < gamma.Length; c++)
        {
            var s = gamma[c] / Math.Sqrt(variance[c] + (double)bn.Epsilon);
            scale[c] = (float)s;
            shift[c] = (float)(beta[c] - (mean[c] * s));
        }

        return (scale, shift);
    }

    /// <summary>Folds a BatchNorm into the weights (rows = output channels) of the layer before it, in place.</summary>
    private static void FoldIntoWeights(Node bnNode, Span<float> weights, long outChannels)
    {
        var scale = FoldScale(bnNode);
        var perChannel = weights.Length / outChannels;
        for (var c = 0; c < outChannels; c++)
        {
            for (var i = c * perChannel; i < (c + 1) * perChannel; i++)
            {
                weights[(int)i] = (float)(weights[(int)i] * scale[c]);
            }
        }
    }

    /// <summary>The bias of the layer before a BatchNorm, with the BatchNorm folded in.</summary>
    private static float[] FoldedBias(Node bnNode, float[] bias, long outChannels)
    {
        var scale = FoldScale(bnNode);
        var beta = Constant(bnNode, 2, "BatchNorm bias");
        var mean = Constant(bnNode, 3, "BatchNorm mean");
        var newBias = new float[outChannels];
        for (var c = 0; c < outChannels; c++)
        {
            var b = bias.Length > 0 ? bias[c] : 0;
            newBias[c] = (float)(((b - mean[c]) * scale[c]) + beta[c]);
        }

        return newBias;
    }

    /// <summary>Per output channel: gamma / sqrt(variance + epsilon).</summary>
    private static double[] FoldScale(Node bnNode)
    {
        var bn = (BatchNorm)bnNode.Op;
        var gamma = Constant(bnNode, 1, "BatchNorm scale");
        var variance = Constant(bnNode, 4, "BatchNorm variance");
        var scale = new double[gamma.Length];
        for (var c = 0; c < gamma.Length; c++)
        {
            scale[c] = gamma[c] / Math.Sqrt(variance[c] + (double)bn.Epsilon);
        }

        return scale;
    }

    private static void Transpose2D(ReadOnlySpan<float> data, Span<float> result, long rows, long cols)
    {
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < cols; c++)
            {
                result[(int)((c * rows) + r)] = data[(int)((r * cols) + c)];
            }
        }
    }
}
