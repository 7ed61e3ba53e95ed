using MgeConvert.Formats.TFLite.Schema;
using MgeConvert.Ir;
using TensorType = MgeConvert.Formats.TFLite.Schema.TensorType;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Formats.TFLite;

/// <summary>
/// Lowers an IR graph to one TFLite subgraph. 4-D activations are computed channels-last: every value is
/// kept in the layout its producer made, and a TRANSPOSE is added only where a consumer needs the other
/// layout (graph inputs/outputs keep the IR's NCHW interface). With --disable_nhwc only the kernels that
/// require channels-last (convolution, pooling, resize) see NHWC; everything else stays NCHW.
/// </summary>
internal sealed partial class TFLiteLowering
{
    private readonly Graph _graph;
    private readonly ConversionOptions _options;
    private readonly TFLiteModelBuilder _b = new();
    private readonly Dictionary<Value, Lowered> _values = [];
    private readonly Dictionary<(Value, Layout, int), TFLiteTensor> _constants = [];
    private readonly Dictionary<Value, List<Node>> _consumers;
    private readonly HashSet<Value> _graphOutputs;
    private readonly HashSet<Node> _fused = [];
    private readonly List<UnsupportedOp> _unsupported = [];
    private readonly bool _channelsLastInputs;
    private readonly Dictionary<Value, (long C, long H, long W)> _channelsLastRows = [];

    public TFLiteLowering(Graph graph, ConversionOptions options)
    {
        _graph = graph;
        _options = options;
        _consumers = graph.Consumers();
        _graphOutputs = [.. graph.Outputs];
        _channelsLastInputs = !options.DisableNhwc && graph.Nodes.Any(n => n.Op is Conv or ConvTranspose or Pool or GlobalPool or AdaptivePool or Resize);
    }

    /// <summary>TRANSPOSE ops added for graph inputs and outputs.</summary>
    public int InterfaceTransposes { get; private set; }

    /// <summary>TRANSPOSE ops added between two ops (a layout-unaware op read a channels-last value).</summary>
    public int InternalTransposes { get; private set; }

    public IReadOnlyList<UnsupportedOp> Unsupported => _unsupported;

    public TFLiteModelBuilder Builder => _b;

    public void Run()
    {
        foreach (var input in _graph.Inputs)
        {
            var t = _b.AddTensor(input.Name, ElementTypeOf(input), IrShape(input.Shape), TFLiteTypes.Quantization(input.DType),
                signature: Signature(input.Shape));
            _b.Inputs.Add(t.Index);
            _values[input] = new Lowered(Layout.Ir, t, null, true);
        }

        foreach (var node in _graph.Nodes)
        {
            if (_fused.Contains(node))
            {
                continue;
            }

            try
            {
                Lower(node);
            }
            catch (Exception e) when (e is NotExpressibleException or IrException)
            {
                _unsupported.Add(new UnsupportedOp(node.Op.Name, node.Name, e.Message));

                // Placeholders let the remaining nodes lower, so every unsupported op gets reported.
                foreach (var o in node.Outputs.Concat(_fused.SelectMany(f => f.Outputs)))
                {
                    if (!_values.ContainsKey(o))
                    {
                        _values[o] = new Lowered(Layout.Ir, _b.AddTensor(o.Name, TensorType.FLOAT32, [1]), null, false);
                    }
                }
            }
        }

        foreach (var output in _graph.Outputs)
        {
            var t = Get(output, Layout.Ir);
            if (output.IsConstant || _b.Inputs.Contains(t.Index) || _b.Outputs.Contains(t.Index))
            {
                var copy = _b.AddTensor(output.Name, t.Type, t.Shape, t.Quantization, signature: t.Signature);
                Reshape(t, copy);
                t = copy;
            }

            _b.Outputs.Add(t.Index);
        }
    }

    private void Lower(Node node)
    {
        switch (node.Op)
        {
            case Conv c: LowerConv(node, c); break;
            case ConvTranspose c: LowerConvTranspose(node, c); break;
            case Pool p: LowerPool(node, p); break;
            case GlobalPool p: LowerGlobalPool(node, p); break;
            case AdaptivePool p: LowerAdaptivePool(node, p); break;
            case Gemm g: LowerGemm(node, g); break;
            case MatMul: LowerMatMul(node); break;
            case Binary b: LowerBinary(node, b); break;
            case Unary u: LowerUnary(node, u); break;
            case Clip c: LowerClip(node, c); break;
            case LeakyRelu l: LowerLeakyRelu(node, l); break;
            case HardSigmoid h: LowerHardSigmoid(node, h); break;
            case Gelu g: LowerGelu(node, g); break;
            case Elu e: LowerElu(node, e); break;
            case PRelu: LowerElementwise(node, BuiltinOperator.PRELU, [node.Input(0), node.Input(1)]); break;
            case Where: LowerElementwise(node, BuiltinOperator.SELECT_V2, [node.Input(0), node.Input(1), node.Input(2)]); break;
            case Identity or Dropout: Alias(node.Output, node.Input(0)); break;
            case Softmax s: LowerSoftmax(node, s.Axis, BuiltinOperator.SOFTMAX); break;
            case LogSoftmax s: LowerSoftmax(node, s.Axis, BuiltinOperator.LOG_SOFTMAX); break;
            case Reduce r: LowerReduce(node, r); break;
            case ArgReduce a: LowerArgReduce(node, a); break;
            case TopK t: LowerTopK(node, t); break;
            case BatchNorm bn: LowerBatchNorm(node, bn); break;
            case LayerNorm ln: LowerLayerNorm(node, ln); break;
            case InstanceNorm inorm: LowerInstanceNorm(node, inorm); break;
            case Ir.Ops.Reshape or Flatten or Squeeze or Unsqueeze: LowerReshape(node); break;
            case Transpose t: LowerTranspose(node, t); break;
            case Concat c: LowerConcat(node, c); break;
            case Split s: LowerSplit(node, s); break;
            case Slice s: LowerSlice(node, s); break;
            case Gather g: LowerGather(node, g); break;
            case GatherElements g: LowerGatherElements(node, g); break;
            case Pad p: LowerPad(node, p); break;
            case Tile t: LowerTile(node, t); break;
            case Expand e: LowerExpand(node, e); break;
            case Resize r: LowerResize(node, r); break;
            case Cast c: LowerCast(node, c); break;
            default: throw new NotExpressibleException("TFLite has no equivalent");
        }
    }

    // ---- values and layouts -------------------------------------------------------------------------

    private sealed class Lowered(Layout native, TFLiteTensor? ir, TFLiteTensor? nhwc, bool isGraphInput)
    {
        public Layout Native { get; } = native;

        public TFLiteTensor? Ir { get; set; } = ir;

        public TFLiteTensor? Nhwc { get; set; } = nhwc;

        public bool IsGraphInput { get; } = isGraphInput;
    }

    /// <summary>
    /// The layout a computed value was produced in (constants: none preferred, reported as IR). In a CNN the
    /// 4-D graph inputs count as channels-last: their one TRANSPOSE then sits at the interface.
    /// </summary>
    private Layout NativeLayout(Value v)
    {
        if (v.IsConstant)
        {
            return Layout.Ir;
        }

        var lowered = _values[v];
        return lowered.IsGraphInput && _channelsLastInputs && v.Shape.Rank == 4 ? Layout.Nhwc : lowered.Native;
    }

    /// <summary>NHWC when some computed 4-D input already lives channels-last (never with --disable_nhwc).</summary>
    private Layout ChooseLayout(IEnumerable<Value?> inputs, int outputRank) =>
        !_options.DisableNhwc && outputRank == 4 && inputs.Any(v => v is { IsConstant: false } && v.Shape.Rank == 4 && NativeLayout(v) == Layout.Nhwc)
            ? Layout.Nhwc
            : Layout.Ir;

    /// <summary>The tensor holding <paramref name="v"/> in <paramref name="layout"/>, transposing on demand.</summary>
    private TFLiteTensor Get(Value v, Layout layout)
    {
        if (v.IsConstant)
        {
            return Constant(v, layout, v.Shape.Rank);
        }

        var lowered = _values[v];
        if (layout == Layout.Nhwc && v.Shape.Rank != 4)
        {
            throw new NotExpressibleException($"{v.Name} is not 4-D");
        }

        if ((layout == Layout.Ir ? lowered.Ir : lowered.Nhwc) is { } existing)
        {
            return existing;
        }

        var source = layout == Layout.Ir ? lowered.Nhwc! : lowered.Ir!;
        var perm = layout == Layout.Ir ? NhwcLayout.ToNchw : NhwcLayout.ToNhwc;
        var name = layout == Layout.Ir && _graphOutputs.Contains(v) ? v.Name : $"{v.Name}_{(layout == Layout.Ir ? "nchw" : "nhwc")}";
        var target = _b.AddTensor(name, source.Type,
            NhwcLayout.Permute(source.Shape, perm), source.Quantization is { } q ? q with { Dimension = Array.IndexOf(perm, q.Dimension) } : null,
            signature: source.Signature is { } sig ? NhwcLayout.Permute(sig, perm) : null);
        if (NhwcLayout.IsMemoryOrderPreserving(Array.ConvertAll(source.Shape, d => (long)d), perm))
        {
            Reshape(source, target);
        }
        else
        {
            _b.AddOperator(BuiltinOperator.TRANSPOSE, [source.Index, _b.AddInt32Vector($"{target.Name}_perm", perm).Index], [target.Index]);
            if (lowered.IsGraphInput || _graphOutputs.Contains(v) && layout == Layout.Ir)
            {
                InterfaceTransposes++;
            }
            else
            {
                InternalTransposes++;
            }
        }

        if (layout == Layout.Ir)
        {
            lowered.Ir = target;
        }
        else
        {
            lowered.Nhwc = target;
        }

        return target;
    }

    /// <summary>A constant tensor, with leading 1s up to <paramref name="rank"/>, in <paramref name="layout"/>.</summary>
    private TFLiteTensor Constant(Value v, Layout layout, int rank)
    {
        rank = Math.Max(rank, v.Shape.Rank);
        if (_constants.TryGetValue((v, layout, rank), out var cached))
        {
            return cached;
        }

        var data = v.Constant!;
        var dims = Enumerable.Repeat(1L, rank - data.Shape.Rank).Concat(data.Shape).ToArray();
        ConstantBytes bytes = data.Bytes;
        var quantPerm = Enumerable.Range(0, rank).ToArray();
        if (layout == Layout.Nhwc)
        {
            if (rank != 4)
            {
                throw new NotExpressibleException($"constant {v.Name} {v.Shape} cannot be made channels-last");
            }

            bytes = bytes.Transposed(dims, NhwcLayout.ToNhwc, data.DType.ElementSize);
            dims = NhwcLayout.Permute(dims, NhwcLayout.ToNhwc);
            quantPerm = NhwcLayout.ToNhwc;
        }

        var shift = rank - data.Shape.Rank;
        var quant = data.DType.Quant is { Axis: { } axis } q
            ? TFLiteTypes.Quantization(new DataType(data.DType.Element, new QuantParams(q.Scales, q.ZeroPoints, axis + shift)), quantPerm)
            : TFLiteTypes.Quantization(data.DType);
        var t = _b.AddTensor(v.Name, ElementTypeOf(v), ToInt(dims), quant, bytes);
        _constants[(v, layout, rank)] = t;
        return t;
    }

    /// <summary>A new tensor for the IR value <paramref name="v"/> computed in <paramref name="layout"/>.</summary>
    private TFLiteTensor Output(Value v, Layout layout, DataType? dtype = null)
    {
        var type = dtype ?? v.DType;
        var shape = IrShape(v.Shape);
        if (layout == Layout.Nhwc)
        {
            shape = NhwcLayout.Permute(shape, NhwcLayout.ToNhwc);
        }

        var name = layout == Layout.Nhwc && _graphOutputs.Contains(v) ? $"{v.Name}_nhwc" : v.Name;
        var signature = Signature(v.Shape);
        if (signature is not null && layout == Layout.Nhwc)
        {
            signature = NhwcLayout.Permute(signature, NhwcLayout.ToNhwc);
        }

        var t = _b.AddTensor(name, Map(type, v), shape, TFLiteTypes.Quantization(type, layout == Layout.Nhwc ? NhwcLayout.ToNhwc : null),
            signature: signature);
        _values[v] = layout == Layout.Ir ? new Lowered(layout, t, null, false) : new Lowered(layout, null, t, false);
        return t;
    }

    /// <summary>An intermediate tensor shaped like <paramref name="like"/>.</summary>
    private TFLiteTensor Temp(string name, TFLiteTensor like, int[]? shape = null, TensorType? type = null) =>
        _b.AddTensor(name, type ?? like.Type, shape ?? like.Shape, like.Quantization, signature: shape is null ? like.Signature : null);

    private void Alias(Value target, Value source)
    {
        if (source.IsConstant)
        {
            var t = Output(target, Layout.Ir);
            Reshape(Get(source, Layout.Ir), t);
            return;
        }

        _values[target] = _values[source];
    }

    private void Reshape(TFLiteTensor source, TFLiteTensor target)
    {
        // One unknown dimension (typically the batch) stays -1, so the runtime can still resize the input.
        var dims = target.Signature is { } sig && sig.Count(d => d < 0) == 1 ? sig : target.Shape;
        var shape = _b.AddInt32Vector($"{target.Name}_shape", dims);
        _b.AddOperator(BuiltinOperator.RESHAPE, [source.Index, shape.Index], [target.Index], BuiltinOptions.ReshapeOptions,
            fb => ReshapeOptions.CreateReshapeOptions(fb, ReshapeOptions.CreateNewShapeVector(fb, dims)).Value);
    }

    private static int[]? Signature(Shape shape) =>
        shape.HasRank && !shape.IsStatic ? [.. shape.Select(d => d < 0 ? -1 : checked((int)d))] : null;

    // ---- fused activations --------------------------------------------------------------------------

    /// <summary>
    /// The activation to apply to <paramref name="node"/>'s result: its own, or a following Relu/Relu6/Tanh
    /// that is the only reader (that node is then skipped). Returns the IR value the result stands for.
    /// </summary>
    private (FusedActivation Activation, Value Result) TakeActivation(Node node, Node? foldedInto = null)
    {
        var own = node.Op is IFusableActivation f ? f.Activation : FusedActivation.None;
        var output = (foldedInto ?? node).Output;
        if (own != FusedActivation.None || _graphOutputs.Contains(output)
            || !_consumers.TryGetValue(output, out var readers) || readers.Count != 1)
        {
            return (own, output);
        }

        var next = readers[0];
        var act = next.Op switch
        {
            Unary { Function: UnaryFunction.Relu } => FusedActivation.Relu,
            Clip { Min: 0f, Max: 6f } => FusedActivation.Relu6,
            _ => FusedActivation.None,
        };
        if (act == FusedActivation.None || next.Inputs.Count != 1)
        {
            return (own, output);
        }

        _fused.Add(next);
        return (act, next.Output);
    }

    private static ActivationFunctionType? Fusable(FusedActivation act) => act switch
    {
        FusedActivation.None => ActivationFunctionType.NONE,
        FusedActivation.Relu => ActivationFunctionType.RELU,
        FusedActivation.Relu6 => ActivationFunctionType.RELU6,
        // LiteRT ignores a fused TANH on everything but recurrent ops, so Tanh stays a separate operator.
        _ => null,
    };

    /// <summary>
    /// Emits an op whose options carry an activation. A Sigmoid or Tanh (not fusable in TFLite) becomes a LOGISTIC or
    /// TANH after it. <paramref name="result"/> (plus <paramref name="also"/>, the pre-fusion value) is registered.
    /// </summary>
    private void EmitActivated(BuiltinOperator code, int[] inputs, Value result, Value also, Layout layout, FusedActivation act,
        BuiltinOptions optionsType, Func<Google.FlatBuffers.FlatBufferBuilder, ActivationFunctionType, int> options)
    {
        var fused = Fusable(act);
        var output = Output(result, layout);
        if (fused is { } a)
        {
            _b.AddOperator(code, inputs, [output.Index], optionsType, fb => options(fb, a));
        }
        else
        {
            var pre = Temp($"{result.Name}_pre", output);
            _b.AddOperator(code, inputs, [pre.Index], optionsType, fb => options(fb, ActivationFunctionType.NONE));
            _b.AddOperator(ActivationCode(act), [pre.Index], [output.Index]);
        }

        if (also != result)
        {
            _values[also] = _values[result];
        }
    }

    private static BuiltinOperator ActivationCode(FusedActivation act) => act switch
    {
        FusedActivation.Relu => BuiltinOperator.RELU,
        FusedActivation.Relu6 => BuiltinOperator.RELU6,
        FusedActivation.Tanh => BuiltinOperator.TANH,
        FusedActivation.Sigmoid => BuiltinOperator.LOGISTIC,
        _ => throw new ArgumentOutOfRangeException(nameof(act)),
    };

    // ---- small helpers ------------------------------------------------------------------------------

    private static int[] IrShape(Shape shape) =>
        shape.HasRank ? [.. shape.Select(d => d < 0 ? 1 : checked((int)d))] : throw new NotExpressibleException("value of unknown rank");

    private static int[] ToInt(IEnumerable<long> dims) => [.. dims.Select(d => checked((int)d))];

    private static TensorType ElementTypeOf(Value v) => Map(v.DType, v);

    private static TensorType Map(DataType dtype, Value v) =>
        TFLiteTypes.TryMap(dtype.Element) ?? throw new NotExpressibleException($"{v.Name} has element type {dtype}");

    private static void RequireFloat(Value v, string what)
    {
        if (!v.DType.IsFloat)
        {
            throw new NotExpressibleException($"{what} is lowered for float tensors only, {v.Name} is {v.DType}");
        }
    }

    /// <summary>IR axes as positions in a tensor of <paramref name="layout"/>.</summary>
    private static int MapAxis(long axis, int rank, Layout layout)
    {
        var a = ShapeMath.Axis(axis, rank);
        return layout == Layout.Nhwc ? NhwcLayout.Axis(a) : a;
    }

    /// <summary>Per-IR-axis values rearranged for a tensor of <paramref name="layout"/>.</summary>
    private static T[] InLayout<T>(IReadOnlyList<T> perIrAxis, Layout layout) =>
        layout == Layout.Nhwc ? NhwcLayout.Permute(perIrAxis, NhwcLayout.ToNhwc) : [.. perIrAxis];
}

/// <summary>An IR op (or one of its attribute combinations) that TFLite cannot express.</summary>
internal sealed class NotExpressibleException(string reason) : Exception(reason);
