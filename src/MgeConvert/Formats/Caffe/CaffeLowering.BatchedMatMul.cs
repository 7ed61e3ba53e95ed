using MgeConvert.Formats.Caffe.Proto;
using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Formats.Caffe;

/// <summary>
/// A product of two computed matrices (InnerProduct needs constant weights): both operands are viewed as
/// (batch, M, K, N) by tiling, multiplied elementwise and summed over K with an average pooling scaled by K.
/// </summary>
internal sealed partial class CaffeLowering
{
    /// <summary>Upper bound on the elements of the tiled (batch, M, K, N) products.</summary>
    private const long MaxProductElements = 1L << 22;

    private void LowerVariableMatMul(Node node, bool transA, bool transB)
    {
        var a = StaticShape(node.Input(0));
        var b = StaticShape(node.Input(1));
        if (a.Length < 2 || b.Length < 2 || a.Length != b.Length || !a[..^2].SequenceEqual(b[..^2]))
        {
            throw new NotExpressibleException($"Caffe multiplies two computed matrices only with equal batch dimensions, got {node.Input(0).Shape} x {node.Input(1).Shape}");
        }

        var batch = a[..^2].Aggregate(1L, (p, d) => p * d);
        var (m, k) = transA ? (a[^1], a[^2]) : (a[^2], a[^1]);
        var n = transB ? b[^2] : b[^1];
        if (batch * m * k * n > MaxProductElements)
        {
            throw new NotExpressibleException($"the tiled product of {node.Input(0).Shape} x {node.Input(1).Shape} has more than {MaxProductElements} elements");
        }

        long[] full = [batch, m, k, n];
        var left = MatrixView(node, "a", Blob(node.Input(0)), transA ? [batch, k, m, 1] : [batch, m, k, 1], transA ? [0, 2, 1, 3] : null);
        var right = MatrixView(node, "b", Blob(node.Input(1)), transB ? [batch, n, k, 1] : [batch, 1, k, n], transB ? [0, 3, 2, 1] : null);
        left = ExpandBlob(node, "a", left, [batch, m, k, 1], full);
        right = ExpandBlob(node, "b", right, [batch, 1, k, n], full);

        var name = node.Output.Name;
        var products = TempBlob($"{name}/products");
        Extra(node, "products", "Eltwise", [left, right], [products]).EltwiseParam = new EltwiseParameter { Operation = EltwiseParameter.Types.EltwiseOp.Prod };
        var rows = TempBlob($"{name}/rows");
        Extra(node, "rows", "Reshape", [products], [rows]).ReshapeParam = new ReshapeParameter { Shape = Shape([batch * m, 1, k, n]) };
        var mean = TempBlob($"{name}/mean");
        Extra(node, "mean", "Pooling", [rows], [mean]).PoolingParam = new PoolingParameter
        {
            Pool = PoolingParameter.Types.PoolMethod.Ave,
            KernelH = (uint)k,
            KernelW = 1,
            StrideH = 1,
            StrideW = 1,
        };
        var sum = Power(node, "sum", mean, TempBlob($"{name}/sum"), scale: k);
        Main(node, "Reshape", [sum], [Define(node.Output)]).ReshapeParam = ReshapeTo(StaticShape(node.Output));
    }

    /// <summary>The operand reshaped to <paramref name="view"/> and, if given, permuted by <paramref name="order"/>.</summary>
    private string MatrixView(Node node, string role, string blob, long[] view, int[]? order)
    {
        var viewed = TempBlob($"{node.Output.Name}/{role}_view");
        Extra(node, $"{role}_view", "Reshape", [blob], [viewed]).ReshapeParam = new ReshapeParameter { Shape = Shape(view) };
        if (order is null)
        {
            return viewed;
        }

        var permuted = TempBlob($"{node.Output.Name}/{role}_transposed");
        var layer = Extra(node, $"{role}_transpose", "Permute", [viewed], [permuted]);
        layer.PermuteParam = new PermuteParameter();
        layer.PermuteParam.Order.AddRange(order.Select(p => (uint)p));
        return permuted;
    }
}
