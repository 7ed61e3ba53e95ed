using MgeConvert.Ir.Ops;

namespace MgeConvert.Formats.TracedModule;

/// <summary>One rule per IR op type: the builtin module call(s), functional call(s) or Tensor method(s) it becomes.</summary>
internal static class TmExportTable
{
    public static IReadOnlyDictionary<Type, Action<TmExportContext>> Rules { get; } = new Dictionary<Type, Action<TmExportContext>>
    {
        [typeof(Unary)] = TmExportElementwise.Unary,
        [typeof(Binary)] = TmExportElementwise.Binary,
        [typeof(Where)] = TmExportElementwise.Where,
        [typeof(Clip)] = TmExportElementwise.Clip,
        [typeof(LeakyRelu)] = TmExportElementwise.LeakyRelu,
        [typeof(Elu)] = TmExportElementwise.Elu,
        [typeof(Selu)] = TmExportElementwise.Elu,
        [typeof(HardSigmoid)] = TmExportElementwise.HardSigmoid,
        [typeof(Gelu)] = TmExportElementwise.Gelu,
        [typeof(PRelu)] = TmExportElementwise.PRelu,
        [typeof(Identity)] = TmExportElementwise.Alias,
        [typeof(Dropout)] = TmExportElementwise.Alias,
        [typeof(Cast)] = TmExportElementwise.Cast,
        [typeof(Softmax)] = TmExportElementwise.Softmax,
        [typeof(LogSoftmax)] = TmExportElementwise.LogSoftmax,

        [typeof(Conv)] = TmExportNn.Conv,
        [typeof(ConvTranspose)] = TmExportNn.ConvTranspose,
        [typeof(Gemm)] = TmExportNn.Gemm,
        [typeof(MatMul)] = TmExportNn.MatMul,
        [typeof(BatchNorm)] = TmExportNn.BatchNorm,
        [typeof(InstanceNorm)] = TmExportNn.InstanceNorm,
        [typeof(LayerNorm)] = TmExportNn.LayerNorm,

        [typeof(Pool)] = TmExportPool.Pool,
        [typeof(GlobalPool)] = TmExportPool.GlobalPool,
        [typeof(AdaptivePool)] = TmExportPool.AdaptivePool,
        [typeof(Reduce)] = TmExportPool.Reduce,
        [typeof(ArgReduce)] = TmExportPool.ArgReduce,
        [typeof(TopK)] = TmExportPool.TopK,

        [typeof(Reshape)] = TmExportTensor.Reshape,
        [typeof(Flatten)] = TmExportTensor.Reshape,
        [typeof(Transpose)] = TmExportTensor.Transpose,
        [typeof(Squeeze)] = TmExportTensor.Squeeze,
        [typeof(Unsqueeze)] = TmExportTensor.Unsqueeze,
        [typeof(Tile)] = TmExportTensor.Tile,
        [typeof(Expand)] = TmExportTensor.Expand,
        [typeof(Concat)] = TmExportTensor.Concat,
        [typeof(Split)] = TmExportTensor.Split,
        [typeof(Slice)] = TmExportTensor.Slice,
        [typeof(Gather)] = TmExportTensor.Gather,
        [typeof(GatherElements)] = TmExportTensor.GatherElements,
        [typeof(Pad)] = TmExportTensor.Pad,
        [typeof(Resize)] = TmExportTensor.Resize,
    };
}
