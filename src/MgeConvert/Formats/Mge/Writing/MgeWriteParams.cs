using Google.FlatBuffers;
using MgeConvert.Formats.Mge.Fbs;

namespace MgeConvert.Formats.Mge.Writing;

/// <summary>Param tables of the emitted operators (docs/mge-format.md §9, §10); the generated builders omit schema defaults.</summary>
internal static class MgeWriteParams
{
    public static MgeWriteParam Empty() => new(OperatorParam.Empty, b =>
    {
        Fbs.Empty.StartEmpty(b);
        return Fbs.Empty.EndEmpty(b).Value;
    });

    /// <summary>Graph inputs: an empty table, every field at its default (§15 rule 2).</summary>
    public static MgeWriteParam Host2DeviceCopy() => new(OperatorParam.Host2DeviceCopy, b =>
    {
        Fbs.Host2DeviceCopy.StartHost2DeviceCopy(b);
        return Fbs.Host2DeviceCopy.EndHost2DeviceCopy(b).Value;
    });

    public static MgeWriteParam Elemwise(ElemwiseMode mode) => new(OperatorParam.Elemwise, b => Fbs.Elemwise.CreateElemwise(b, mode).Value);

    public static MgeWriteParam PowC(float exp) => new(OperatorParam.PowC, b => Fbs.PowC.CreatePowC(b, exp).Value);

    public static MgeWriteParam Axis(int axis) => new(OperatorParam.Axis, b => Fbs.Axis.CreateAxis(b, axis).Value);

    public static MgeWriteParam OptionalAxisV1(int axis = 7) => new(OperatorParam.OptionalAxisV1, b => Fbs.OptionalAxisV1.CreateOptionalAxisV1(b, axis).Value);

    public static MgeWriteParam TypeCvt(MgeDType target) => new(OperatorParam.DType, b => MgeWriteDTypes.Build(b, target).Value);

    /// <summary>Convolution family: the param plus an ExecutionPolicy with defaults (mandatory in v1, written in v2 too; §15 rule 5).</summary>
    public static MgeWriteParam[] Convolution(uint[] pad, uint[] stride, uint[] dilate, bool group) =>
    [
        new(OperatorParam.Convolution, b => Fbs.Convolution.CreateConvolution(b, ConvolutionV0Mode.CROSS_CORRELATION, pad[0], pad[1], stride[0], stride[1],
            dilate[0], dilate[1], group ? ConvolutionV0Sparse.GROUP : ConvolutionV0Sparse.DENSE, ConvolutionFormat.NCHW).Value),
        new(OperatorParam.ExecutionPolicy, b =>
        {
            Fbs.ExecutionPolicy.StartExecutionPolicy(b);
            return Fbs.ExecutionPolicy.EndExecutionPolicy(b).Value;
        }),
    ];

    public static MgeWriteParam Pooling(PoolingV0Mode mode, uint[] pad, uint[] stride, uint[] window) => new(OperatorParam.Pooling, b =>
        Fbs.Pooling.CreatePooling(b, mode, pad[0], pad[1], stride[0], stride[1], window[0], window[1], ConvolutionFormat.NCHW).Value);

    public static MgeWriteParam AdaptivePooling(PoolingV0Mode mode) => new(OperatorParam.AdaptivePooling, b =>
        Fbs.AdaptivePooling.CreateAdaptivePooling(b, mode, ConvolutionFormat.NCHW).Value);

    public static MgeWriteParam Reduce(ReduceMode mode, int axis) => new(OperatorParam.Reduce, b => Fbs.Reduce.CreateReduce(b, mode, axis).Value);

    public static MgeWriteParam MatrixMul(bool transposeA, bool transposeB) => new(OperatorParam.MatrixMul, b =>
        Fbs.MatrixMul.CreateMatrixMul(b, transposeA, transposeB).Value);

    public static MgeWriteParam Dimshuffle(int[] pattern, uint ndim) => new(OperatorParam.Dimshuffle, b =>
        Fbs.Dimshuffle.CreateDimshuffle(b, Fbs.Dimshuffle.CreatePatternVector(b, pattern), ndim).Value);

    public static MgeWriteParam AxisAddRemove(IReadOnlyList<(AxisDescMethod Method, int Axis)> descs) => new(OperatorParam.AxisAddRemove, b =>
    {
        Fbs.AxisAddRemove.StartDescVector(b, descs.Count);
        for (var i = descs.Count - 1; i >= 0; i--)
        {
            AxisDesc.CreateAxisDesc(b, descs[i].Method, descs[i].Axis);
        }

        return Fbs.AxisAddRemove.CreateAxisAddRemove(b, b.EndVector()).Value;
    });

    public static MgeWriteParam IndexDescMaskDump(IReadOnlyList<(int Axis, bool Begin, bool End, bool Step, bool Idx)> items) => new(OperatorParam.IndexDescMaskDump, b =>
    {
        Fbs.IndexDescMaskDump.StartItemsVector(b, items.Count);
        for (var i = items.Count - 1; i >= 0; i--)
        {
            var it = items[i];
            IndexDescMaskItem.CreateIndexDescMaskItem(b, (sbyte)it.Axis, it.Begin, it.End, it.Step, it.Idx);
        }

        return Fbs.IndexDescMaskDump.CreateIndexDescMaskDump(b, b.EndVector()).Value;
    });

    public static MgeWriteParam Resize(WarpPerspectiveV1InterpolationMode mode) => new(OperatorParam.Resize, b =>
        Fbs.Resize.CreateResize(b, mode, ConvolutionFormat.NCHW).Value);

    public static MgeWriteParam WarpPerspective(WarpPerspectiveV1InterpolationMode mode) => new(OperatorParam.WarpPerspective, b =>
        Fbs.WarpPerspective.CreateWarpPerspective(b, mode, WarpPerspectiveV1BorderMode.REPLICATE, ConvolutionFormat.NCHW).Value);

    public static MgeWriteParam Softmax(int axis) => new(OperatorParam.Softmax, b => Fbs.Softmax.CreateSoftmax(b, axis).Value);

    public static MgeWriteParam LayerNorm(bool affine, float eps, ulong dims, ulong size) => new(OperatorParam.LayerNorm, b =>
        Fbs.LayerNorm.CreateLayerNorm(b, affine, eps, dims, size).Value);

    public static MgeWriteParam TopK(TopKMode mode) => new(OperatorParam.TopK, b => Fbs.TopK.CreateTopK(b, mode).Value);

    /// <summary>Padding: front/back offsets for up to 7 dims.</summary>
    public static MgeWriteParam Padding(uint[] front, uint[] back, PaddingPaddingMode mode, float value) => new(OperatorParam.Padding, b =>
    {
        uint F(int i) => i < front.Length ? front[i] : 0;
        uint B(int i) => i < back.Length ? back[i] : 0;
        return Fbs.Padding.CreatePadding(b, F(0), F(1), F(2), F(3), F(4), F(5), F(6), B(0), B(1), B(2), B(3), B(4), B(5), B(6), value, mode).Value;
    });
}
