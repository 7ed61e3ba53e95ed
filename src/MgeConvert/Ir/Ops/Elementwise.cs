namespace MgeConvert.Ir.Ops;

public enum UnaryFunction
{
    Relu,
    Sigmoid,
    Tanh,
    Exp,
    Log,
    Abs,
    Neg,
    Sqrt,
    Reciprocal,
    Floor,
    Ceil,
    Round,
    Erf,
    Sign,
    Sin,
    Cos,
    Not,
    Softplus,
    Softsign,

    /// <summary>x * relu6(x + 3) / 6.</summary>
    HardSwish,

    /// <summary>x * sigmoid(x).</summary>
    Silu,
}

/// <summary>An elementwise function of one input; output type = input type (Not: bool).</summary>
public sealed record Unary(UnaryFunction Function) : Op
{
    public override string Name => Function.ToString();

    public override TensorType[] InferTypes(InferenceContext context) => [context.Type(0)];
}

public enum BinaryFunction
{
    Add,
    Sub,
    Mul,

    /// <summary>True division for floats, truncating for integers (ONNX Div).</summary>
    Div,
    Pow,
    Max,
    Min,

    /// <summary>floor(a / b) (MegEngine FLOOR_DIV, Python //).</summary>
    FloorDiv,

    /// <summary>Python-style modulo: the result has the sign of the divisor.</summary>
    Mod,
    And,
    Or,
    Xor,
    Equal,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
}

/// <summary>An elementwise function of two broadcast inputs, optionally with a fused activation.</summary>
public sealed record Binary(BinaryFunction Function, FusedActivation Activation = FusedActivation.None) : Op, IFusableActivation
{
    public override string Name => Function.ToString();

    public override int MinInputs => 2;

    public bool IsComparison => Function is BinaryFunction.Equal or BinaryFunction.Less or BinaryFunction.LessOrEqual
        or BinaryFunction.Greater or BinaryFunction.GreaterOrEqual;

    public Op WithActivation(FusedActivation activation) => this with { Activation = activation };

    public override TensorType[] InferTypes(InferenceContext context)
    {
        var a = context.Type(0);
        var b = context.Type(1);
        if (a.DType.Element != b.DType.Element && Function != BinaryFunction.Pow)
        {
            throw context.Error($"input types differ: {a.DType} and {b.DType}");
        }

        var dtype = IsComparison ? DataType.Bool : a.DType;
        return [new TensorType(dtype, ShapeMath.Broadcast(a.Shape, b.Shape))];
    }
}

/// <summary>select(condition, x, y) with broadcasting.</summary>
public sealed record Where : Op
{
    public override int MinInputs => 3;

    public override TensorType[] InferTypes(InferenceContext context)
    {
        if (context.DType(0).Element != ElementType.Bool)
        {
            throw context.Error($"condition must be bool, got {context.DType(0)}");
        }

        return [new TensorType(context.DType(1), ShapeMath.Broadcast([context.Shape(0), context.Shape(1), context.Shape(2)]))];
    }
}

/// <summary>Elementwise op with float attributes whose output type equals its input type.</summary>
public abstract record UnaryWithAttributes : Op
{
    public override TensorType[] InferTypes(InferenceContext context) => [context.Type(0)];
}

/// <summary>min(max(x, Min), Max); Relu6 is Clip(0, 6).</summary>
public sealed record Clip(float Min, float Max) : UnaryWithAttributes;

public sealed record LeakyRelu(float Alpha = 0.01f) : UnaryWithAttributes;

public sealed record Elu(float Alpha = 1f) : UnaryWithAttributes;

public sealed record Selu(float Alpha = 1.67326319f, float Gamma = 1.05070102f) : UnaryWithAttributes;

/// <summary>max(0, min(1, Alpha * x + Beta)).</summary>
public sealed record HardSigmoid(float Alpha = 0.2f, float Beta = 0.5f) : UnaryWithAttributes;

/// <summary>GELU, exact (erf) or with the tanh approximation.</summary>
public sealed record Gelu(bool TanhApproximation = false) : UnaryWithAttributes;

/// <summary>x if x ≥ 0 else slope * x; the slope (input 1) broadcasts to x.</summary>
public sealed record PRelu : Op
{
    public override int MinInputs => 2;

    public override TensorType[] InferTypes(InferenceContext context) => [context.Type(0)];
}

/// <summary>Passes its input through unchanged.</summary>
public sealed record Identity : UnaryWithAttributes;

/// <summary>Inference-mode dropout: identity.</summary>
public sealed record Dropout(float Ratio = 0.5f) : UnaryWithAttributes;
