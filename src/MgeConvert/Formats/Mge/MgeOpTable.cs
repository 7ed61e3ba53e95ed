using MgeConvert.Ir;

namespace MgeConvert.Formats.Mge;

/// <summary>Converts the current operator; returns one IR value per numbered output (null = not mapped).</summary>
internal delegate Value?[] MgeOpConverter(MgeConversion cx);

/// <summary>MegEngine operator class → converter; one entry per operator type (Elemwise modes: <see cref="MgeElemwiseModes"/>).</summary>
internal static class MgeOpTable
{
    public static readonly IReadOnlyDictionary<string, MgeOpConverter> Converters = new Dictionary<string, MgeOpConverter>(StringComparer.Ordinal)
    {
        ["Host2DeviceCopy"] = MgeSourceOps.Input,
        ["ImmutableTensor"] = MgeSourceOps.Constants,
        ["SharedDeviceTensor"] = MgeSourceOps.Constants,
        ["VolatileSharedDeviceTensor"] = MgeSourceOps.Constants,
        ["MultipleDeviceTensorHolder"] = MgeSourceOps.Constants,
        ["ConvolutionForward"] = MgeConvOps.Convolution,
        ["ConvBiasForward"] = MgeConvOps.ConvBias,
        ["ConvolutionBackwardData"] = MgeConvOps.BackwardData,
        ["ConvolutionBackwardFilter"] = MgeConvOps.BackwardFilter,
        ["MatrixMul"] = MgeComputeOps.MatrixMul,
        ["BatchedMatrixMul"] = MgeComputeOps.BatchedMatrixMul,
        ["Elemwise"] = MgeComputeOps.Elemwise,
        ["ElemwiseMultiType"] = MgeComputeOps.ElemwiseMultiType,
        ["TypeCvt"] = MgeComputeOps.TypeCvt,
        ["PowC"] = MgeComputeOps.PowC,
        ["Reduce"] = MgeComputeOps.Reduce,
        ["PoolingForward"] = MgeComputeOps.Pooling,
        ["AdaptivePoolingForward"] = MgeComputeOps.AdaptivePooling,
        ["BatchNormForward"] = MgeComputeOps.BatchNorm,
        ["SoftmaxForward"] = MgeComputeOps.Softmax,
        ["LayerNormForward"] = MgeComputeOps.LayerNorm,
        ["Argmax"] = cx => MgeComputeOps.ArgReduce(cx, isMax: true),
        ["Argmin"] = cx => MgeComputeOps.ArgReduce(cx, isMax: false),
        ["TopK"] = MgeComputeOps.TopK,
        ["PaddingForward"] = MgeComputeOps.Padding,
        ["GetVarShape"] = MgeShapeOps.GetVarShape,
        ["Reshape"] = MgeShapeOps.Reshape,
        ["Broadcast"] = MgeShapeOps.Broadcast,
        ["Dimshuffle"] = MgeShapeOps.Dimshuffle,
        ["AxisAddRemove"] = MgeShapeOps.AxisAddRemove,
        ["Concat"] = MgeShapeOps.Concat,
        ["Split"] = MgeShapeOps.Split,
        ["Subtensor"] = MgeShapeOps.Subtensor,
        ["IndexingMultiAxisVec"] = MgeShapeOps.IndexingMultiAxisVec,
        ["IndexingOneHot"] = MgeShapeOps.IndexingOneHot,
        ["ResizeForward"] = MgeShapeOps.Resize,
        ["WarpPerspectiveForward"] = MgeShapeOps.WarpPerspective,
        ["DropoutForward"] = MgeShapeOps.Dropout,
        ["Identity"] = MgeShapeOps.PassThrough,
        ["MarkNoBroadcastElemwise"] = MgeShapeOps.PassThrough,
        ["Copy"] = MgeShapeOps.PassThrough,
        ["AssertEqual"] = MgeShapeOps.AssertEqual,
    };
}
