using MgeConvert.Ir.Ops;

namespace MgeConvert.Formats.Onnx;

/// <summary>One rule per IR op type: the ONNX node(s) it becomes at the target opset.</summary>
internal static class OnnxExportTable
{
    public static IReadOnlyDictionary<Type, Action<OnnxExportContext>> Rules { get; } = new Dictionary<Type, Action<OnnxExportContext>>
    {
        [typeof(Unary)] = OnnxExportElementwise.Unary,
        [typeof(Binary)] = OnnxExportElementwise.Binary,
        [typeof(Where)] = c => c.Main(c.Opset >= 9 ? "Where" : throw c.NeedsOpset(9, "Where"), [c.In(0), c.In(1), c.In(2)]),
        [typeof(Clip)] = OnnxExportElementwise.Clip,
        [typeof(LeakyRelu)] = c => c.Main("LeakyRelu", [c.In(0)], OnnxAttributes.Float("alpha", ((LeakyRelu)c.Op).Alpha)),
        [typeof(Elu)] = c => c.Main("Elu", [c.In(0)], OnnxAttributes.Float("alpha", ((Elu)c.Op).Alpha)),
        [typeof(Selu)] = c => c.Main("Selu", [c.In(0)], OnnxAttributes.Float("alpha", ((Selu)c.Op).Alpha), OnnxAttributes.Float("gamma", ((Selu)c.Op).Gamma)),
        [typeof(HardSigmoid)] = c => c.Main("HardSigmoid", [c.In(0)], OnnxAttributes.Float("alpha", ((HardSigmoid)c.Op).Alpha), OnnxAttributes.Float("beta", ((HardSigmoid)c.Op).Beta)),
        [typeof(Gelu)] = OnnxExportElementwise.Gelu,
        [typeof(PRelu)] = c => c.Main("PRelu", [c.In(0), c.In(1)]),
        [typeof(Identity)] = c => c.Main("Identity", [c.In(0)]),
        [typeof(Dropout)] = c => c.Main("Dropout", [c.In(0)], c.Opset < 12 ? [OnnxAttributes.Float("ratio", ((Dropout)c.Op).Ratio)] : []),
        [typeof(Cast)] = OnnxExportElementwise.Cast,
        [typeof(Softmax)] = c => OnnxExportElementwise.Softmax(c, "Softmax", ((Softmax)c.Op).Axis),
        [typeof(LogSoftmax)] = c => OnnxExportElementwise.Softmax(c, "LogSoftmax", ((LogSoftmax)c.Op).Axis),

        [typeof(Conv)] = OnnxExportNn.Conv,
        [typeof(ConvTranspose)] = OnnxExportNn.ConvTranspose,
        [typeof(Pool)] = OnnxExportNn.Pool,
        [typeof(GlobalPool)] = c => c.Main(c.Op.Name, [c.In(0)]),
        [typeof(AdaptivePool)] = OnnxExportNn.AdaptivePool,
        [typeof(BatchNorm)] = c => c.Main("BatchNormalization", [c.In(0), c.In(1), c.In(2), c.In(3), c.In(4)], OnnxAttributes.Float("epsilon", ((BatchNorm)c.Op).Epsilon)),
        [typeof(InstanceNorm)] = c => c.Main("InstanceNormalization", [c.In(0), c.In(1), c.In(2)], OnnxAttributes.Float("epsilon", ((InstanceNorm)c.Op).Epsilon)),
        [typeof(LayerNorm)] = OnnxExportNn.LayerNorm,
        [typeof(Gemm)] = OnnxExportNn.Gemm,
        [typeof(MatMul)] = c => c.Main("MatMul", [c.In(0), c.In(1)]),
        [typeof(ArgReduce)] = OnnxExportNn.ArgReduce,
        [typeof(TopK)] = OnnxExportNn.TopK,
        [typeof(Reduce)] = OnnxExportNn.Reduce,

        [typeof(Reshape)] = OnnxExportTensor.Reshape,
        [typeof(Flatten)] = c => c.Main("Flatten", [c.In(0)], OnnxAttributes.Int("axis", ((Flatten)c.Op).Axis is var a && a < 0 ? a + c.InShape(0).Rank : a)),
        [typeof(Transpose)] = c => c.Main("Transpose", [c.In(0)], OnnxAttributes.Ints("perm", ((Transpose)c.Op).Perm)),
        [typeof(Squeeze)] = c => OnnxExportTensor.WithAxes(c, "Squeeze", c.Axes(((Squeeze)c.Op).Axes, c.InShape(0).Rank)),
        [typeof(Unsqueeze)] = c => OnnxExportTensor.WithAxes(c, "Unsqueeze", c.Axes(((Unsqueeze)c.Op).Axes, c.OutShape(0).Rank)),
        [typeof(Tile)] = c => c.Main("Tile", [c.In(0), c.Ints("repeats", ((Tile)c.Op).Repeats)]),
        [typeof(Expand)] = c => c.Main(c.Opset >= 8 ? "Expand" : throw c.NeedsOpset(8, "Expand"), [c.In(0), c.Ints("shape", ((Expand)c.Op).TargetShape)]),
        [typeof(ShapeOf)] = c => c.Main("Shape", [c.In(0)]),
        [typeof(Concat)] = c => c.Main("Concat", c.Node.Inputs.Select((_, i) => c.In(i)), OnnxAttributes.Int("axis", c.Axis(((Concat)c.Op).Axis))),
        [typeof(Split)] = OnnxExportTensor.Split,
        [typeof(Slice)] = OnnxExportTensor.Slice,
        [typeof(Gather)] = c => c.Main("Gather", [c.In(0), c.In(1)], OnnxAttributes.Int("axis", c.Axis(((Gather)c.Op).Axis))),
        [typeof(GatherElements)] = c => c.Main(c.Opset >= 11 ? "GatherElements" : throw c.NeedsOpset(11, "GatherElements"), [c.In(0), c.In(1)],
            OnnxAttributes.Int("axis", c.Axis(((GatherElements)c.Op).Axis))),
        [typeof(Pad)] = OnnxExportTensor.Pad,
        [typeof(Resize)] = OnnxExportTensor.Resize,
    };
}
