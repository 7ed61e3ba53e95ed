using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Formats.Onnx;

/// <summary>One rule per ONNX operator type: how a node of that type becomes IR ops (at the model's opset).</summary>
internal static class OnnxImportTable
{
    public static IReadOnlyDictionary<string, Func<OnnxNodeContext, Value[]>> Rules { get; } = Build();

    private static Dictionary<string, Func<OnnxNodeContext, Value[]>> Build()
    {
        var rules = new Dictionary<string, Func<OnnxNodeContext, Value[]>>(StringComparer.Ordinal);
        foreach (var f in Enum.GetValues<UnaryFunction>().Where(f => f != UnaryFunction.Silu))
        {
            rules[f.ToString()] = c => c.Apply(new Unary(f), c.In(0));
        }

        foreach (var (name, f) in new[]
        {
            ("Add", BinaryFunction.Add), ("Sub", BinaryFunction.Sub), ("Mul", BinaryFunction.Mul), ("Div", BinaryFunction.Div),
            ("Pow", BinaryFunction.Pow), ("And", BinaryFunction.And), ("Or", BinaryFunction.Or), ("Xor", BinaryFunction.Xor),
            ("Equal", BinaryFunction.Equal), ("Less", BinaryFunction.Less), ("LessOrEqual", BinaryFunction.LessOrEqual),
            ("Greater", BinaryFunction.Greater), ("GreaterOrEqual", BinaryFunction.GreaterOrEqual),
        })
        {
            rules[name] = c => OnnxImportElementwise.Binary(c, f);
        }

        rules["Mod"] = OnnxImportElementwise.Mod;
        rules["Max"] = c => OnnxImportElementwise.Variadic(c, BinaryFunction.Max);
        rules["Min"] = c => OnnxImportElementwise.Variadic(c, BinaryFunction.Min);
        rules["Sum"] = c => OnnxImportElementwise.Variadic(c, BinaryFunction.Add);
        rules["Mean"] = OnnxImportElementwise.Mean;
        rules["Clip"] = OnnxImportElementwise.Clip;
        rules["LeakyRelu"] = c => c.Apply(new LeakyRelu(c.Float("alpha", 0.01f)), c.In(0));
        rules["Elu"] = c => c.Apply(new Elu(c.Float("alpha", 1f)), c.In(0));
        rules["Selu"] = c => c.Apply(new Selu(c.Float("alpha", 1.67326319217681884765625f), c.Float("gamma", 1.05070102214813232421875f)), c.In(0));
        rules["HardSigmoid"] = c => c.Apply(new HardSigmoid(c.Float("alpha", 0.2f), c.Float("beta", 0.5f)), c.In(0));
        rules["Gelu"] = c => c.Apply(new Gelu(c.Str("approximate", "none") == "tanh"), c.In(0));
        rules["PRelu"] = OnnxImportElementwise.PRelu;
        rules["Where"] = c => c.Apply(new Where(), c.In(0), c.In(1), c.In(2));
        rules["Identity"] = c => c.Apply(new Identity(), c.In(0));
        rules["Dropout"] = OnnxImportElementwise.Dropout;
        rules["Cast"] = OnnxImportElementwise.Cast;
        rules["CastLike"] = c => c.Apply(new Cast(c.In(1).DType.Storage), c.In(0));
        rules["ThresholdedRelu"] = OnnxImportElementwise.ThresholdedRelu;
        rules["QuantizeLinear"] = OnnxImportElementwise.Quantize;
        rules["DequantizeLinear"] = OnnxImportElementwise.Dequantize;
        rules["Softmax"] = c => OnnxImportElementwise.Softmax(c, false);
        rules["LogSoftmax"] = c => OnnxImportElementwise.Softmax(c, true);

        rules["Conv"] = OnnxImportNn.Conv;
        rules["ConvTranspose"] = OnnxImportNn.ConvTranspose;
        rules["MaxPool"] = c => OnnxImportNn.Pool(c, PoolKind.Max);
        rules["AveragePool"] = c => OnnxImportNn.Pool(c, PoolKind.Average);
        rules["GlobalMaxPool"] = c => c.Apply(new GlobalPool(PoolKind.Max), c.In(0));
        rules["GlobalAveragePool"] = c => c.Apply(new GlobalPool(PoolKind.Average), c.In(0));
        rules["BatchNormalization"] = OnnxImportNn.BatchNorm;
        rules["InstanceNormalization"] = c => c.Apply(new InstanceNorm(c.Float("epsilon", 1e-5f)), c.In(0), c.In(1), c.In(2));
        rules["LayerNormalization"] = OnnxImportNn.LayerNorm;
        rules["Gemm"] = c => c.Apply(
            new Gemm(c.Int("transA", 0) != 0, c.Int("transB", 0) != 0, c.Float("alpha", 1f), c.Float("beta", 1f)), c.In(0), c.In(1), c.Opt(2));
        rules["MatMul"] = c => c.Apply(new MatMul(), c.In(0), c.In(1));
        rules["ArgMax"] = c => OnnxImportNn.ArgReduce(c, true);
        rules["ArgMin"] = c => OnnxImportNn.ArgReduce(c, false);
        rules["TopK"] = OnnxImportNn.TopK;
        foreach (var kind in Enum.GetValues<ReduceKind>())
        {
            rules["Reduce" + kind] = c => OnnxImportNn.Reduce(c, kind);
        }

        rules["Constant"] = OnnxImportTensor.Constant;
        rules["ConstantOfShape"] = OnnxImportTensor.ConstantOfShape;
        rules["Shape"] = OnnxImportTensor.ShapeOf;
        rules["Size"] = OnnxImportTensor.Size;
        rules["Reshape"] = OnnxImportTensor.Reshape;
        rules["Flatten"] = c => c.Apply(new Flatten(c.Int("axis", 1)), c.In(0));
        rules["Transpose"] = OnnxImportTensor.Transpose;
        rules["Squeeze"] = c => c.Apply(new Squeeze(OnnxImportTensor.Axes(c, 13) ?? []), c.In(0));
        rules["Unsqueeze"] = c => c.Apply(new Unsqueeze(OnnxImportTensor.Axes(c, 13) ?? throw c.Unsupported("Unsqueeze without axes")), c.In(0));
        rules["Tile"] = c => c.Apply(new Tile(c.ConstInts(1) ?? throw c.Unsupported("repeats missing")), c.In(0));
        rules["Expand"] = c => c.Apply(new Expand(c.ConstInts(1) ?? throw c.Unsupported("shape missing")), c.In(0));
        rules["Concat"] = c => c.Apply(new Concat(c.Int("axis", c.Opset < 4 ? 1 : 0)), [.. c.Inputs]);
        rules["Split"] = OnnxImportTensor.Split;
        rules["Slice"] = OnnxImportTensor.Slice;
        rules["DepthToSpace"] = c => OnnxImportSpaceDepth.DepthToSpace(c);
        rules["SpaceToDepth"] = c => OnnxImportSpaceDepth.SpaceToDepth(c);
        rules["Gather"] = c => c.Apply(new Gather(c.Int("axis", 0)), c.In(0), c.In(1));
        rules["GatherElements"] = c => c.Apply(new GatherElements(c.Int("axis", 0)), c.In(0), c.In(1));
        rules["Pad"] = OnnxImportTensor.Pad;
        rules["Resize"] = OnnxImportTensor.Resize;
        rules["Upsample"] = OnnxImportTensor.Upsample;
        return rules;
    }
}
