using MgeConvert.Formats.Caffe.Proto;
using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using MgeConvert.Reference.Kernels;

namespace MgeConvert.Formats.Caffe;

/// <summary>
/// Any resize of H and W is linear in the pixels of one plane: an InnerProduct over the flattened plane whose
/// weight matrix holds the interpolation weights (the outer product of the per-axis taps).
/// </summary>
internal sealed partial class CaffeLowering
{
    /// <summary>Upper bound on the interpolation matrix (output pixels × input pixels).</summary>
    private const long MaxResizeMatrix = 1L << 22;

    private void LowerResizeAsMatrix(Node node, Resize resize, long[] x, long[] y)
    {
        if (x.Length != 4 || x[0] != y[0] || x[1] != y[1])
        {
            throw new NotExpressibleException($"Caffe resizes only H and W of a 4-D tensor, got {node.Input(0).Shape} -> {node.Output.Shape}");
        }

        var (inPlane, outPlane) = (x[2] * x[3], y[2] * y[3]);
        if (inPlane * outPlane > MaxResizeMatrix)
        {
            throw new NotExpressibleException($"the interpolation matrix of {node.Input(0).Shape} -> {node.Output.Shape} has more than {MaxResizeMatrix} weights");
        }

        var rows = AxisTaps(resize, x, y, 2);
        var columns = AxisTaps(resize, x, y, 3);
        var matrix = new double[outPlane * inPlane];
        for (var oy = 0; oy < y[2]; oy++)
        {
            for (var ox = 0; ox < y[3]; ox++)
            {
                var row = ((oy * y[3]) + ox) * inPlane;
                foreach (var (iy, wy) in rows[oy])
                {
                    foreach (var (ix, wx) in columns[ox])
                    {
                        matrix[row + (iy * x[3]) + ix] += wy * wx;
                    }
                }
            }
        }

        var name = node.Output.Name;
        var planes = TempBlob($"{name}/planes");
        Extra(node, "planes", "Reshape", [Blob(node.Input(0))], [planes]).ReshapeParam = new ReshapeParameter { Shape = Shape([x[0] * x[1], inPlane]) };
        var resized = TempBlob($"{name}/resized");
        var product = Extra(node, "interpolate", "InnerProduct", [planes], [resized]);
        product.InnerProductParam = new InnerProductParameter { NumOutput = (uint)outPlane, BiasTerm = false };
        product.Blobs.Add(Weights(Array.ConvertAll(matrix, v => (float)v), outPlane, inPlane));
        Main(node, "Reshape", [resized], [Define(node.Output)]).ReshapeParam = new ReshapeParameter { Shape = Shape(y) };
    }

    private static (int Index, double Weight)[][] AxisTaps(Resize resize, long[] x, long[] y, int axis) =>
        ResizeKernels.Taps(resize, x[axis], y[axis], resize.Scales?[axis] ?? ((float)y[axis] / x[axis]));
}
