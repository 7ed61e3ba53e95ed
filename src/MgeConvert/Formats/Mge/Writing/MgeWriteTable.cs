using MgeConvert.Ir.Ops;

namespace MgeConvert.Formats.Mge.Writing;

/// <summary>One rule per IR op type: the MegEngine operators it becomes; returns one var per IR output.</summary>
internal static class MgeWriteTable
{
    public static IReadOnlyDictionary<Type, Func<MgeLowering, MgeVar[]>> Rules { get; } = new Dictionary<Type, Func<MgeLowering, MgeVar[]>>
    {
        [typeof(Unary)] = MgeLowerElementwise.Unary,
        [typeof(Binary)] = MgeLowerElementwise.Binary,
        [typeof(Where)] = MgeLowerElementwise.Where,
        [typeof(Clip)] = MgeLowerElementwise.Clip,
        [typeof(LeakyRelu)] = MgeLowerElementwise.LeakyRelu,
        [typeof(Elu)] = MgeLowerElementwise.Elu,
        [typeof(Selu)] = MgeLowerElementwise.Selu,
        [typeof(HardSigmoid)] = MgeLowerElementwise.HardSigmoid,
        [typeof(Gelu)] = MgeLowerElementwise.Gelu,
        [typeof(PRelu)] = MgeLowerElementwise.PRelu,
        [typeof(Identity)] = MgeLowerElementwise.PassThrough,
        [typeof(Dropout)] = MgeLowerElementwise.PassThrough,
        [typeof(Cast)] = MgeLowerElementwise.Cast,
        [typeof(Softmax)] = MgeLowerNn.Softmax,
        [typeof(LogSoftmax)] = MgeLowerNn.LogSoftmax,

        [typeof(Conv)] = MgeLowerNn.Conv,
        [typeof(ConvTranspose)] = MgeLowerNn.ConvTranspose,
        [typeof(Pool)] = MgeLowerNn.Pool,
        [typeof(GlobalPool)] = MgeLowerNn.GlobalPool,
        [typeof(AdaptivePool)] = MgeLowerNn.AdaptivePool,
        [typeof(BatchNorm)] = MgeLowerNn.BatchNorm,
        [typeof(InstanceNorm)] = MgeLowerNn.InstanceNorm,
        [typeof(LayerNorm)] = MgeLowerNn.LayerNorm,
        [typeof(Gemm)] = MgeLowerNn.Gemm,
        [typeof(MatMul)] = MgeLowerNn.MatMul,
        [typeof(ArgReduce)] = MgeLowerNn.ArgReduce,
        [typeof(TopK)] = MgeLowerNn.TopK,
        [typeof(Reduce)] = MgeLowerNn.Reduce,

        [typeof(Reshape)] = MgeLowerTensor.Reshape,
        [typeof(Flatten)] = MgeLowerTensor.Reshape,
        [typeof(Transpose)] = MgeLowerTensor.Transpose,
        [typeof(Squeeze)] = MgeLowerTensor.Squeeze,
        [typeof(Unsqueeze)] = MgeLowerTensor.Unsqueeze,
        [typeof(Tile)] = MgeLowerTensor.Tile,
        [typeof(Expand)] = MgeLowerTensor.Expand,
        [typeof(ShapeOf)] = MgeLowerTensor.ShapeOf,
        [typeof(Concat)] = MgeLowerTensor.Concat,
        [typeof(Split)] = MgeLowerTensor.Split,
        [typeof(Slice)] = MgeLowerTensor.Slice,
        [typeof(Gather)] = MgeLowerTensor.Gather,
        [typeof(GatherElements)] = MgeLowerTensor.GatherElements,
        [typeof(Pad)] = MgeLowerTensor.Pad,
        [typeof(Resize)] = MgeLowerTensor.Resize,
    };
}
