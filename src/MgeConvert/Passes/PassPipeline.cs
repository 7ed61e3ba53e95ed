using MgeConvert.Formats;
using MgeConvert.Ir;

namespace MgeConvert.Passes;

/// <summary>Ordered passes run one after the other, with a <see cref="PassReport"/> of what each changed.</summary>
public sealed class PassPipeline
{
    public PassPipeline(IEnumerable<IPass> passes)
    {
        Passes = [.. passes];
    }

    public PassPipeline(params IPass[] passes)
        : this((IEnumerable<IPass>)passes)
    {
    }

    public IReadOnlyList<IPass> Passes { get; }

    /// <summary>Validate the graph after every pass (on in debug builds; tests turn it on).</summary>
    public bool ValidateAfterEachPass { get; init; } =
#if DEBUG
        true;
#else
        false;
#endif

    /// <summary>
    /// Default passes for a target: identity removal, constant folding and dead-code elimination everywhere;
    /// for the inference targets, bias Add folding into convolutions and Gemms and the fusion of spelled-out Clip,
    /// LeakyRelu and (log-)softmax; batch-norm fusion into the preceding convolution or linear op for TFLite (which has
    /// no batch norm), for ONNX and TorchScript unless <paramref name="keepBatchNorm"/>, and for Caffe when asked
    /// (--fuse_bn, as the original). Fusion scales a convolution weight that no other node or constant shares in place, so the
    /// passes take ownership of the graph's constant bytes. ONNX and TorchScript concatenate quantized
    /// values without dequantizing them; TFLite also expands the remaining batch norms (it has no such op) and fuses
    /// activations into the ops that carry them; .mge and .tm decompose 3-D convolution and pooling into 2-D ones.
    /// </summary>
    public static PassPipeline Standard(ModelFormat target, bool fuseBatchNorm = false, bool keepBatchNorm = false)
    {
        var passes = new List<IPass> { new RemoveIdentity { KeepFakeQuantizers = target == ModelFormat.TracedModule }, new FoldConstants() };
        if (target is ModelFormat.Onnx or ModelFormat.TFLite or ModelFormat.Caffe or ModelFormat.TorchScript)
        {
            passes.Add(new FoldChannelBiasIntoConv());
            passes.Add(new FoldBiasIntoGemm());
            passes.Add(new FuseMinMaxIntoClip());
            passes.Add(new FuseLeakyRelu());
            passes.Add(new FuseSoftmax());
        }

        if (target == ModelFormat.TFLite || fuseBatchNorm || (!keepBatchNorm && target is ModelFormat.Onnx or ModelFormat.TorchScript))
        {
            passes.Add(new FuseBatchNormIntoConv { LeaveConv2dToWriter = target == ModelFormat.TFLite, ScaleInPlace = true });
        }

        if (target is ModelFormat.Onnx or ModelFormat.TorchScript)
        {
            passes.Add(new Quantization.ConcatQuantizedValues());
        }

        if (target == ModelFormat.TFLite)
        {
            passes.Add(new ExpandBatchNorm { KeepThoseTheWriterFolds = true });
            passes.Add(new FuseActivation());
        }

        if (target is ModelFormat.Mge or ModelFormat.TracedModule)
        {
            passes.Add(new Decompose3dConvolution());
            passes.Add(new Decompose3dPooling());
        }

        passes.Add(new EliminateDeadCode());
        return new PassPipeline(passes);
    }

    /// <summary>
    /// <see cref="Standard(ModelFormat, bool, bool)"/> with batch-norm fusion as the options ask (--fuse_bn). QAT fake
    /// quantization is made explicit for TorchScript always (as the original) and for ONNX with --require_quantize;
    /// TFLite computes on quantized integers wherever the graph quantizes (quantized .mge; QAT with --require_quantize),
    /// and --remove_relu removes every Relu for TFLite.
    /// </summary>
    public static PassPipeline Standard(ModelFormat target, ConversionOptions options)
    {
        var standard = Standard(target, options.FuseBn, options.KeepBatchNorm);
        if (target == ModelFormat.TFLite)
        {
            var integerize = new Quantization.IntegerizeQuantDequant
            {
                IntegerInputs = options.RequireQuantize && options.InputDataType is not null && options.InputScales is { Count: > 0 },
            };
            IPass[] first = options.RemoveRelu ? [new RemoveRelu()] : [];
            return new PassPipeline(options.RequireQuantize
                ? [.. first, new Quantization.MaterializeFakeQuant { Include16Bit = true }, integerize, .. standard.Passes]
                : [.. first, integerize, .. standard.Passes]);
        }

        if (!MaterializesFakeQuant(target, options))
        {
            return standard;
        }

        // First: the annotations live on value objects, which identity removal and folding replace.
        return new PassPipeline([new Quantization.MaterializeFakeQuant(), .. standard.Passes]);
    }

    /// <summary>Whether <see cref="Standard(ModelFormat, ConversionOptions)"/> makes QAT fake quantization explicit.</summary>
    public static bool MaterializesFakeQuant(ModelFormat target, ConversionOptions options) =>
        target == ModelFormat.TorchScript || (options.RequireQuantize && target is ModelFormat.Onnx or ModelFormat.TFLite);

    /// <summary><see cref="Standard(ModelFormat, bool, bool)"/> by target name: onnx, tflite, caffe, torchscript, mge, tm.</summary>
    public static PassPipeline Standard(string target, bool fuseBatchNorm = false) => Standard(
        target.ToLowerInvariant() switch
        {
            "onnx" => ModelFormat.Onnx,
            "tflite" => ModelFormat.TFLite,
            "caffe" => ModelFormat.Caffe,
            "torchscript" or "ts" => ModelFormat.TorchScript,
            "mge" => ModelFormat.Mge,
            "tm" or "tracedmodule" => ModelFormat.TracedModule,
            _ => throw new ArgumentException($"unknown target {target}; expected onnx, tflite, caffe, torchscript, mge or tm"),
        },
        fuseBatchNorm);

    public PassReport Run(Graph graph, PassContext? context = null)
    {
        context ??= new PassContext();
        var report = new PassReport();
        if (ValidateAfterEachPass)
        {
            Validate(graph, "the graph given to the pass pipeline is invalid");
        }

        foreach (var pass in Passes)
        {
            var before = OpCounts(graph);
            var nodesBefore = graph.Nodes.Count;
            pass.Run(graph, context);
            if (ValidateAfterEachPass)
            {
                Validate(graph, $"pass {pass.Name} left an invalid graph");
            }

            var after = OpCounts(graph);
            var changes = before.Keys.Union(after.Keys)
                .Select(k => (Op: k, Delta: after.GetValueOrDefault(k) - before.GetValueOrDefault(k)))
                .Where(p => p.Delta != 0)
                .ToDictionary(p => p.Op, p => p.Delta, StringComparer.Ordinal);
            report.Records.Add(new PassRecord(pass.Name, nodesBefore, graph.Nodes.Count, changes, context.TakeNotes()));
        }

        return report;
    }

    private static void Validate(Graph graph, string what)
    {
        var problems = GraphValidator.Check(graph);
        if (problems.Count > 0)
        {
            throw new IrException($"{what}:{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", problems));
        }
    }

    private static Dictionary<string, int> OpCounts(Graph graph) =>
        graph.Nodes.GroupBy(n => n.Op.Name).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
}
