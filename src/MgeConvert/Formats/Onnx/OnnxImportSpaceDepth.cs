using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Formats.Onnx;

/// <summary>DepthToSpace / SpaceToDepth as Reshape → Transpose → Reshape on a static NCHW shape (their ONNX definition).</summary>
internal static class OnnxImportSpaceDepth
{
    public static Value[] DepthToSpace(OnnxNodeContext c)
    {
        var x = c.StaticShape(0, "DepthToSpace");
        var b = c.Int("blocksize", 0);
        if (x.Length != 4 || b < 1 || x[1] % (b * b) != 0)
        {
            throw c.Unsupported($"DepthToSpace of {new Shape(x)} with block size {b}");
        }

        var (n, ch, h, w) = (x[0], x[1], x[2], x[3]);
        var crd = c.Str("mode", "DCR") == "CRD";
        var split = c.Temp(new Reshape(crd ? [n, ch / (b * b), b, b, h, w] : [n, b, b, ch / (b * b), h, w]), c.In(0));
        var moved = c.Temp(new Transpose(crd ? [0, 1, 4, 2, 5, 3] : [0, 3, 4, 1, 5, 2]), split);
        return c.Apply(new Reshape([n, ch / (b * b), h * b, w * b]), moved);
    }

    public static Value[] SpaceToDepth(OnnxNodeContext c)
    {
        var x = c.StaticShape(0, "SpaceToDepth");
        var b = c.Int("blocksize", 0);
        if (x.Length != 4 || b < 1 || x[2] % b != 0 || x[3] % b != 0)
        {
            throw c.Unsupported($"SpaceToDepth of {new Shape(x)} with block size {b}");
        }

        var (n, ch, h, w) = (x[0], x[1], x[2], x[3]);
        var split = c.Temp(new Reshape([n, ch, h / b, b, w / b, b]), c.In(0));
        var moved = c.Temp(new Transpose([0, 3, 5, 1, 2, 4]), split);
        return c.Apply(new Reshape([n, ch * b * b, h / b, w / b]), moved);
    }
}
