using MgeConvert.Formats.Caffe.Proto;
using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Formats.Caffe;

/// <summary>
/// LayerNorm over the trailing axes from standard layers: the input viewed as (outer, 1, inner, 1), MVN without
/// variance scaling to centre it, an average pooling of the squares for the variance, Power for
/// (var + eps)^-1/2, a two-bottom Scale to normalize, and a Scale with the affine weights.
/// </summary>
internal sealed partial class CaffeLowering
{
    private void LowerLayerNorm(Node node, LayerNorm norm)
    {
        var shape = StaticShape(node.Input(0));
        var axis = ShapeMath.Axis(norm.Axis, shape.Length);
        var outer = shape[..axis].Aggregate(1L, (p, d) => p * d);
        var inner = shape[axis..].Aggregate(1L, (p, d) => p * d);
        var gamma = Constant(node, 1, "LayerNorm scale");
        var beta = Constant(node, 2, "LayerNorm bias");
        var affine = gamma.Length > 0 || beta.Length > 0;
        var name = node.Output.Name;

        var view = TempBlob($"{name}/view");
        Extra(node, "view", "Reshape", [Blob(node.Input(0))], [view]).ReshapeParam = new ReshapeParameter { Shape = Shape([outer, 1, inner, 1]) };
        var centered = TempBlob($"{name}/centered");
        Extra(node, "center", "MVN", [view], [centered]).MvnParam = new MVNParameter { NormalizeVariance = false, AcrossChannels = false };
        var square = Power(node, "square", centered, TempBlob($"{name}/square"), power: 2);
        var variance = TempBlob($"{name}/variance");
        Extra(node, "variance", "Pooling", [square], [variance]).PoolingParam = new PoolingParameter
        {
            Pool = PoolingParameter.Types.PoolMethod.Ave,
            KernelH = (uint)inner,
            KernelW = 1,
            StrideH = 1,
            StrideW = 1,
        };
        var inverse = Power(node, "rstd", variance, TempBlob($"{name}/rstd"), power: -0.5f, shift: norm.Epsilon);
        var rows = TempBlob($"{name}/rstd_rows");
        Extra(node, "rstd_rows", "Reshape", [inverse], [rows]).ReshapeParam = new ReshapeParameter { Shape = Shape([outer]) };
        var normalized = TempBlob($"{name}/normalized");
        Extra(node, "normalize", "Scale", [centered, rows], [normalized]).ScaleParam = new ScaleParameter { Axis = 0 };
        var restored = affine ? TempBlob($"{name}/restored") : Define(node.Output);
        var reshape = affine ? Extra(node, "restore", "Reshape", [normalized], [restored]) : Main(node, "Reshape", [normalized], [restored]);
        reshape.ReshapeParam = new ReshapeParameter { Shape = Shape(shape) };
        if (!affine)
        {
            return;
        }

        var dims = shape[axis..];
        var scale = Main(node, "Scale", [restored], [Define(node.Output)]);
        scale.ScaleParam = new ScaleParameter { Axis = axis, NumAxes = dims.Length, BiasTerm = beta.Length > 0 };
        scale.Blobs.Add(Weights(gamma.Length > 0 ? Broadcast(gamma, inner) : Enumerable.Repeat(1f, (int)inner).ToArray(), dims));
        if (beta.Length > 0)
        {
            scale.Blobs.Add(Weights(Broadcast(beta, inner), dims));
        }
    }

    private static float[] Broadcast(float[] values, long count) =>
        values.Length == count ? values
        : values.Length == 1 ? Enumerable.Repeat(values[0], (int)count).ToArray()
        : throw new NotExpressibleException($"LayerNorm affine parameters have {values.Length} values for {count} normalized elements");
}
