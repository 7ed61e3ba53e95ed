using MgeConvert.Formats.Pickle;
using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using MgeConvert.Quantization;
using static MgeConvert.Formats.TracedModule.TmExportContext;

namespace MgeConvert.Formats.TracedModule;

/// <summary>
/// Quantized and QAT graphs as a QAT TracedModule: every value is a float; a value the graph rounds to a
/// quantized type (a cast to it, a QAT fake quantizer, a quantized graph input) is the output of a fake
/// quantizer carrying its scale/zero point — the act fake-quant of a qat layer module when the layer computes
/// it, else a qat QuantStub — and its TensorNode records the qparams, as a traced quantize_qat model does.
/// Quantized weights become their dequantized floats under the layer's weight fake-quant.
/// </summary>
internal static class TmExportQuant
{
    public const string QatConv = "megengine.module.qat.conv";
    public const string QatLinear = "megengine.module.qat.linear";
    private const string QatStubs = "megengine.module.qat.quant_dequant";

    /// <summary>
    /// The quantization output 0 of <paramref name="node"/> must be rounded to: its QAT fake-quant annotation, or
    /// the quantized cast that is its only use (so a layer computing it can carry the act fake-quant).
    /// </summary>
    public static QuantInfo? Pending(Graph graph, Node node, IReadOnlyDictionary<Value, List<Node>> users)
    {
        var output = node.Outputs[0];
        if (node.Outputs.Count != 1 || output.IsConstant)
        {
            return null;
        }

        if (QuantAnnotations.Get(output) is { FakeQuantized: true } annotated)
        {
            return annotated;
        }

        if (output.DType.IsQuantized || !output.DType.IsFloat || graph.Outputs.Contains(output) || node.Op is Ir.Ops.Cast
            || !users.TryGetValue(output, out var uses) || uses.Count != 1
            || uses[0] is not { Op: Ir.Ops.Cast { To.IsQuantized: true } cast } || TmQatStates.Inexpressible(TmQatStates.FromDataType(cast.To)) is not null)
        {
            return null;
        }

        return TmQatStates.FromDataType(cast.To);
    }

    /// <summary>
    /// The Relu a qat ConvRelu2d can absorb into <paramref name="node"/>: a 2-D conv (no fused activation) whose
    /// result only that Relu reads and no fake quantizer rounds, while the Relu's result is rounded.
    /// </summary>
    public static Node? ReluToFuse(Graph graph, Node node, IReadOnlyDictionary<Value, List<Node>> users)
    {
        var output = node.Outputs[0];
        if (node.Op is not Conv { SpatialRank: 2, Activation: FusedActivation.None } || graph.Outputs.Contains(output)
            || QuantAnnotations.Get(output) is { FakeQuantized: true } || !users.TryGetValue(output, out var uses) || uses.Count != 1
            || uses[0] is not { Op: Unary { Function: UnaryFunction.Relu } } relu)
        {
            return null;
        }

        return Pending(graph, relu, users) is { } act && TmQatStates.Inexpressible(act) is null ? relu : null;
    }

    /// <summary>Cast to a quantized type: a fake quantizer (nothing when the input is already rounded to the same parameters).</summary>
    public static void Quantize(TmExportContext c, DataType to)
    {
        var info = TmQatStates.FromDataType(to);
        var input = c.InValue(0);
        if (c.Rounded.TryGetValue(input, out var done) && done.SameQuantization(info))
        {
            c.Bind(c.In(0));
        }
        else
        {
            c.Bind(FakeQuantize(c, c.In(0), info, c.Out()));
        }

        c.Rounded[c.Node.Outputs[0]] = info;
    }

    /// <summary>A qat QuantStub call rounding <paramref name="x"/> to <paramref name="info"/>.</summary>
    public static PyObject FakeQuantize(TmExportContext c, PyObject x, QuantInfo info, TmOut output)
    {
        if (TmQatStates.Inexpressible(info) is { } why)
        {
            throw Unsupported(why);
        }

        var y = c.W.ModuleCall("quant", QatStubs, "QuantStub", attr => TmQatStates.QuantStub(c.W.Tensors, attr, info), [x], output);
        TmGraphWriter.SetQParams(y, TmQatStates.QParamsOf(c.W.Tensors, info));
        return y;
    }

    /// <summary>
    /// A conv/linear layer module: the float module, or its qat variant when the weight is quantized (weight
    /// fake-quant) or the layer's result is what <see cref="TmExportContext.PendingAct"/> rounds (act fake-quant).
    /// </summary>
    public static PyObject Layer(TmExportContext c, string wantedAttr, string floatPath, string qatPath, string className, PyDict state, IReadOnlyList<TmArg> args, TmOut output)
    {
        var weight = WeightQuant(c);
        var act = c.PendingAct is { } pending && output.Name == c.OutName(0) && TmQatStates.Inexpressible(pending) is null ? pending : null;
        if (weight is null && act is null)
        {
            return c.W.ModuleCall(wantedAttr, floatPath, className, state, args, output);
        }

        var relu = act is not null && className == "Conv2d" ? c.FusedRelu : null;
        var final = relu?.Outputs[0].Name ?? c.Node.Outputs[0].Name;
        var y = c.W.ModuleCall(wantedAttr, qatPath, relu is null ? className : "ConvRelu2d", attr => TmQatStates.Qat(c.W.Tensors, state, attr, weight, act), args, act is null ? output : output with { Name = final });
        if (act is not null)
        {
            TmGraphWriter.SetQParams(y, TmQatStates.QParamsOf(c.W.Tensors, act));
            c.ActFused = true;
        }

        return y;
    }

    /// <summary>The weight's quantization: its QAT annotation, or the quantized type a reader dequantized it from.</summary>
    private static QuantInfo? WeightQuant(TmExportContext c)
    {
        var weight = c.Node.InputOrNull(1);
        if (weight is null)
        {
            return null;
        }

        var info = QuantAnnotations.Get(weight) is { FakeQuantized: true } annotated ? annotated
            : DequantizedConstants.Get(weight) is { Quant: not null } type ? TmQatStates.FromDataType(type)
            : null;
        if (info is not null && TmQatStates.Inexpressible(info) is { } why)
        {
            throw Unsupported("weight fake quantization: " + why);
        }

        return info;
    }
}
