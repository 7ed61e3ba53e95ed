using MgeConvert.Formats.Caffe.Proto;
using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Formats.Caffe;

/// <summary>The op table: which IR op becomes which Caffe layer(s).</summary>
internal sealed partial class CaffeLowering
{
    private void LowerNode(Node node)
    {
        if (node.Inputs.Count > 0 && node.Inputs.All(i => i is null || i.IsConstant))
        {
            throw new NotExpressibleException("all inputs are constants; fold this node before converting");
        }

        switch (node.Op)
        {
            case Conv conv: LowerConv(node, conv); break;
            case ConvTranspose deconv: LowerDeconv(node, deconv); break;
            case Pool pool: LowerPool(node, pool); break;
            case GlobalPool pool: LowerGlobalPool(node, pool.Kind); break;
            case AdaptivePool pool: LowerAdaptivePool(node, pool); break;
            case Gemm { Alpha: 1 } gemm when !node.Input(1).IsConstant && node.InputOrNull(2) is null: LowerVariableMatMul(node, gemm.TransA, gemm.TransB); break;
            case Gemm gemm: LowerGemm(node, gemm); break;
            case MatMul when !node.Input(1).IsConstant: LowerVariableMatMul(node, transA: false, transB: false); break;
            case MatMul: LowerMatMul(node); break;
            case BatchNorm bn: LowerBatchNorm(node, bn); break;
            case Binary binary: LowerBinary(node, binary); break;
            case Unary unary: LowerUnary(node, unary.Function); break;
            case Clip clip: LowerClip(node, Blob(node.Input(0)), Define(node.Output), clip.Min, clip.Max); break;
            case LeakyRelu leaky: LowerRelu(node, leaky.Alpha); break;
            case Elu elu: Main(node, "ELU", [Blob(node.Input(0))], [Define(node.Output)]).EluParam = new ELUParameter { Alpha = elu.Alpha }; break;
            case Selu selu: LowerSelu(node, selu); break;
            case HardSigmoid hard: LowerHardSigmoid(node, hard); break;
            case PRelu: LowerPRelu(node); break;
            case Identity or Dropout: LowerIdentity(node); break;
            case Softmax softmax: LowerSoftmax(node, softmax.Axis, log: false); break;
            case LogSoftmax softmax: LowerSoftmax(node, softmax.Axis, log: true); break;
            case Concat concat: LowerConcat(node, concat); break;
            case Flatten flatten: LowerFlatten(node, flatten); break;
            case Reshape or Squeeze or Unsqueeze: LowerReshape(node); break;
            case Transpose transpose: LowerTranspose(node, transpose); break;
            case Slice slice: LowerSlice(node, slice); break;
            case Split split: LowerSplit(node, split); break;
            case Reduce reduce: LowerReduce(node, reduce); break;
            case Resize resize: LowerResize(node, resize); break;
            case Tile tile: LowerRepeat(node, tile.Repeats); break;
            case Expand: LowerExpand(node); break;
            case Cast cast when cast.To.IsFloat && node.Input(0).DType.IsFloat: LowerIdentity(node); break;
            case Pad pad: LowerPad(node, pad); break;
            case LayerNorm norm: LowerLayerNorm(node, norm); break;
            case Gather gather: LowerGather(node, gather); break;
            case GatherElements gather: LowerGatherElements(node, gather); break;
            default: throw new NotExpressibleException("Caffe has no layer for this op");
        }

        if (node.Op is IFusableActivation { Activation: not FusedActivation.None } fusable)
        {
            AppendActivation(node, fusable.Activation, Blob(node.Output));
        }
    }

    /// <summary>
    /// Decides which BatchNorms fold into their producer (<c>--fuse_bn</c>), which Flattens NNIE drops and which
    /// reductions their reader computes repeated.
    /// </summary>
    private void PlanFusions()
    {
        foreach (var node in _graph.Nodes)
        {
            if (_options.FuseBn && node.Op is BatchNorm && node.Inputs.Skip(1).All(v => v is { IsConstant: true })
                && node.Input(0).Producer is { } producer && CanFoldBatchNorm(producer)
                && HasSingleConsumer(node.Input(0), out _))
            {
                _foldedBatchNorms[producer] = node;
                _skipped.Add(node);
            }

            if (node.Op is Pad { Mode: PadMode.Constant, ConstantValue: 0 } pad && IsSpatialPad(pad, node.Input(0))
                && HasConsumersOnly(node.Output, n => n.Op is Conv { SpatialRank: 2 } && n.Input(0) == node.Output))
            {
                _skipped.Add(node);
                _foldedPads.Add(node);
            }

            if (IsRepeatedReduction(node))
            {
                _skipped.Add(node);
                _repeatedReductions.Add(node);
            }

            if (_backend == CaffeBackend.Nnie && node.Op is Flatten { Axis: 1 } && HasConsumersOnly(node.Output, n => n.Op is Gemm or MatMul))
            {
                _skipped.Add(node);
                _nnieDroppedFlattens.Add(node);
            }
        }
    }

    private readonly HashSet<Node> _nnieDroppedFlattens = [];

    /// <summary>Zero pads of H and W that only feed convolutions: merged into the convolutions' own padding.</summary>
    private readonly HashSet<Node> _foldedPads = [];

    private static bool IsSpatialPad(Pad pad, Value input) =>
        input.Shape is { HasRank: true, Rank: 4 } && pad.Pads.All(p => p >= 0) && pad.Pads[0] == 0 && pad.Pads[1] == 0 && pad.Pads[4] == 0 && pad.Pads[5] == 0;

    private static bool CanFoldBatchNorm(Node producer) =>
        producer.Op switch
        {
            Conv { Activation: FusedActivation.None, SpatialRank: 2 } => producer.Input(1).IsConstant && producer.InputOrNull(2) is null or { IsConstant: true },
            Gemm { Activation: FusedActivation.None, TransA: false } => producer.Input(1).IsConstant && producer.InputOrNull(2) is null or { IsConstant: true },
            MatMul => producer.Input(1).IsConstant && producer.Input(0).Shape is { HasRank: true, Rank: 2 },
            _ => false,
        };

    private bool HasConsumersOnly(Value value, Func<Node, bool> predicate) =>
        !_graphOutputs.Contains(value) && _consumers.TryGetValue(value, out var list) && list.Count > 0 && list.All(predicate);

    /// <summary>The value a node's main layer writes: its own output, or the output of the BatchNorm folded into it.</summary>
    private Value FinalOutput(Node node) => _foldedBatchNorms.TryGetValue(node, out var bn) ? bn.Output : node.Output;

    private void AppendActivation(Node node, FusedActivation activation, string blob)
    {
        switch (activation)
        {
            case FusedActivation.Relu when _options.SplitConvRelu:
                break;
            case FusedActivation.Relu:
                Extra(node, "relu", "ReLU", [blob], [blob]);
                break;
            case FusedActivation.Relu6:
                LowerClip(node, blob, blob, 0, 6, "relu6");
                break;
            case FusedActivation.Sigmoid:
                Extra(node, "sigmoid", "Sigmoid", [blob], [blob]);
                break;
            case FusedActivation.Tanh:
                Extra(node, "tanh", "TanH", [blob], [blob]);
                break;
        }
    }
}
