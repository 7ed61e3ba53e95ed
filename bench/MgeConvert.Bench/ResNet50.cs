using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Bench;

/// <summary>Builds a ResNet-50 (≈25.6 M parameters, ≈102 MB of float32 weights) with seeded random weights.</summary>
public static class ResNet50
{
    public static Graph Build(int seed = 50)
    {
        var random = new Random(seed);
        var b = new GraphBuilder("resnet50");
        var x = b.Input("data", DataType.Float32, Shape.Of(1, 3, 224, 224));
        var y = ConvBnRelu(b, random, x, 64, 7, 2, 3, relu: true);
        y = b.Apply(new Pool(PoolKind.Max, [3, 3], [2, 2], [1, 1, 1, 1]), y);
        var channels = 64L;
        foreach (var (blocks, width, stride) in new[] { (3, 64, 1), (4, 128, 2), (6, 256, 2), (3, 512, 2) })
        {
            for (var i = 0; i < blocks; i++)
            {
                y = Bottleneck(b, random, y, channels, width, i == 0 ? stride : 1);
                channels = width * 4;
            }
        }

        y = b.Apply(new GlobalPool(PoolKind.Average), y);
        y = b.Apply(new Flatten(1), y);
        var fc = b.Constant("fc.weight", RandomTensor(random, Shape.Of(1000, 2048), 0.02f));
        var fcBias = b.Constant("fc.bias", RandomTensor(random, Shape.Of(1000), 0.02f));
        var logits = b.ApplyNamed("fc", ["logits"], new Gemm(TransB: true), y, fc, fcBias)[0];
        b.Output(logits);
        return b.Graph;
    }

    private static Value Bottleneck(GraphBuilder b, Random random, Value x, long inChannels, int width, int stride)
    {
        var y = ConvBnRelu(b, random, x, width, 1, 1, 0, relu: true);
        y = ConvBnRelu(b, random, y, width, 3, stride, 1, relu: true);
        y = ConvBnRelu(b, random, y, width * 4, 1, 1, 0, relu: false);
        var shortcut = inChannels == width * 4 && stride == 1 ? x : ConvBnRelu(b, random, x, width * 4, 1, stride, 0, relu: false);
        return b.Apply(new Unary(UnaryFunction.Relu), b.Apply(new Binary(BinaryFunction.Add), y, shortcut));
    }

    private static Value ConvBnRelu(GraphBuilder b, Random random, Value x, long outChannels, int kernel, int stride, int pad, bool relu)
    {
        var inChannels = x.Shape[1];
        var w = b.Constant("conv.weight", RandomTensor(random, new Shape(outChannels, inChannels, kernel, kernel), MathF.Sqrt(2f / (inChannels * kernel * kernel))));
        var y = b.Apply(new Conv([stride, stride], [pad, pad, pad, pad], [1, 1]), x, w);
        var c = new Shape(outChannels);
        y = b.Apply(new BatchNorm(1e-5f), y,
            b.Constant("bn.weight", RandomTensor(random, c, 0.1f, 1f)),
            b.Constant("bn.bias", RandomTensor(random, c, 0.1f)),
            b.Constant("bn.mean", RandomTensor(random, c, 0.1f)),
            b.Constant("bn.var", RandomTensor(random, c, 0.1f, 1f)));
        return relu ? b.Apply(new Unary(UnaryFunction.Relu), y) : y;
    }

    private static Tensor RandomTensor(Random random, Shape shape, float scale, float offset = 0f)
    {
        var data = new float[shape.ElementCount];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = offset + (scale * ((float)random.NextDouble() - 0.5f) * 2f);
            if (offset > 0)
            {
                data[i] = Math.Abs(data[i]);
            }
        }

        return Tensor.FromFloats(shape, data);
    }
}
