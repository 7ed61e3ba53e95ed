using MgeConvert.Formats.Caffe;
using MgeConvert.Formats.Pickle;
using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using MgeConvert.Quantization;

namespace MgeConvert.Formats.TracedModule;

/// <summary>The IR node being written as TracedModule exprs, with the graph writer and value → node bindings.</summary>
internal sealed class TmExportContext(TmGraphWriter writer, Dictionary<Value, PyObject> bound, Func<Value, TensorType> typeOf)
{
    public const string Nn = "megengine.functional.nn";
    public const string Elemwise = "megengine.functional.elemwise";
    public const string MathFns = "megengine.functional.math";
    public const string TensorFns = "megengine.functional.tensor";
    public const string Vision = "megengine.functional.vision";

    public TmGraphWriter W { get; } = writer;

    public Node Node { get; set; } = null!;

    public Op Op => Node.Op;

    /// <summary>
    /// MegEngine has no 64-bit device tensors: int64 (indices, shapes) is written as int32 and float64 as float32
    /// (megengine.tensor of a float64 array is float32), like the .mge writer; the unsigned 32/64-bit types are refused.
    /// </summary>
    public static ElementType Storage(ElementType type) => type switch
    {
        ElementType.Int64 => ElementType.Int32,
        ElementType.Float64 => ElementType.Float32,
        ElementType.UInt32 or ElementType.UInt64 => throw new NotExpressibleException($"MegEngine has no {type} tensors"),
        _ => type,
    };

    /// <summary>A value's stored element type; quantized values are written as the floats they stand for (QAT form).</summary>
    public static ElementType Storage(DataType type) => type.IsQuantized ? ElementType.Float32 : Storage(type.Element);

    /// <summary>A constant converted to its stored element type (quantized: dequantized floats).</summary>
    public static Tensor Stored(Tensor t)
    {
        if (t.DType.IsQuantized)
        {
            return Tensor.FromFloats(t.Shape, t.Dequantize());
        }

        return t.DType.Element switch
        {
            ElementType.Int64 => Tensor.FromInt32s(t.Shape, [.. t.ToInt64s().Select(v => (int)System.Math.Clamp(v, int.MinValue, int.MaxValue))]),
            ElementType.Float64 => Tensor.FromFloats(t.Shape, [.. t.ToDoubles().Select(v => (float)v)]),
            _ => Storage(t.DType.Element) == t.DType.Element ? t : throw new NotExpressibleException($"MegEngine has no {t.DType.Element} tensors"),
        };
    }

    public Value InValue(int index) => Node.Input(index);

    public bool Has(int index) => Node.InputOrNull(index) is not null;

    public Tensor? Const(int index) => Node.InputOrNull(index)?.Constant;

    public TensorType InType(int index) => typeOf(InValue(index));

    public long[] InShape(int index) => Static(InType(index).Shape, InValue(index).Name);

    public long[] OutShape(int index = 0) => Static(typeOf(Node.Outputs[index]).Shape, Node.Outputs[index].Name);

    public ElementType OutElement(int index = 0) => Storage(typeOf(Node.Outputs[index]).DType);

    /// <summary>Values whose written node is the output of a fake quantizer, with its quantization.</summary>
    public Dictionary<Value, QuantInfo> Rounded { get; } = [];

    /// <summary>The fake quantization output 0 of the node being written still needs (null: none).</summary>
    public QuantInfo? PendingAct { get; set; }

    /// <summary>
    /// The Relu that alone reads the conv being written, when a qat ConvRelu2d can compute both (its act fake-quant
    /// rounds the Relu's result, <see cref="PendingAct"/>).
    /// </summary>
    public Node? FusedRelu { get; set; }

    /// <summary>Whether a qat layer module already applied <see cref="PendingAct"/> to output 0.</summary>
    public bool ActFused { get; set; }

    /// <summary>The node holding input <paramref name="index"/>; a constant gets its Constant expr on first use.</summary>
    public PyObject In(int index) => NodeOf(InValue(index));

    public PyObject NodeOf(Value value)
    {
        if (bound.TryGetValue(value, out var node))
        {
            return node;
        }

        if (value.Constant is { } c)
        {
            node = W.Constant(Stored(c));
            bound[value] = node;
            return node;
        }

        throw new NotExpressibleException($"value {value.Name} is used before it is computed");
    }

    /// <summary>A Constant expr for a tensor the lowering made up (reshaped parameters, scalars).</summary>
    public PyObject NewConstant(Tensor t) => W.Constant(Stored(t));

    public PyObject Scalar(float v) => NewConstant(Tensor.Scalar(v));

    /// <summary>Output <paramref name="index"/> of the IR node: its name, stored type and static shape.</summary>
    public TmOut Out(int index = 0) => new(OutName(index), OutElement(index), OutShape(index));

    /// <summary>The output's name; a result still to be fake-quantized is "_float" (the quantizer's output takes the name).</summary>
    public string OutName(int index) => index == 0 && (PendingAct is not null || FusedRelu is not null) ? Node.Outputs[0].Name + FloatSuffix : Node.Outputs[index].Name;

    public const string FloatSuffix = "_float";

    /// <summary>An intermediate result (named by the call, as MegEngine does).</summary>
    public static TmOut Temp(ElementType type, long[] shape) => new(null, type, shape);

    public TmOut TempLike(long[] shape) => Temp(OutElement(), shape);

    public void Bind(PyObject node, int index = 0) => bound[Node.Outputs[index]] = node;

    public PyObject Fn(string module, string function, TmOut output, params TmArg[] args) => W.Function(module, function, args, [output])[0];

    public PyObject Method(string method, TmOut output, params TmArg[] args) => W.Method(method, args, output);

    /// <summary>Applies a fused activation to <paramref name="x"/> (already the output's shape).</summary>
    public PyObject Activate(PyObject x, FusedActivation activation, TmOut output) => activation switch
    {
        FusedActivation.None => x,
        FusedActivation.Relu => Fn(Nn, "relu", output, x),
        FusedActivation.Relu6 => Fn(Nn, "relu6", output, x),
        FusedActivation.Sigmoid => Fn(Nn, "sigmoid", output, x),
        FusedActivation.Tanh => Fn(Elemwise, "tanh", output, x),
        _ => throw new NotExpressibleException($"fused activation {activation}"),
    };

    /// <summary>The output spec for a value that a fused activation will still transform.</summary>
    public TmOut PreActivation(FusedActivation activation) => activation == FusedActivation.None ? Out() : TempLike(OutShape());

    public static NotExpressibleException Unsupported(string reason) => new(reason);

    private static long[] Static(Shape shape, string name) =>
        shape.IsStatic ? shape.ToArray() : throw new NotExpressibleException($"{name} has no static shape ({shape}); a TracedModule records traced shapes");
}
