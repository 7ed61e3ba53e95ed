namespace MgeConvert.Ir.Ops;

/// <summary>Softmax along one axis (ONNX opset-13 semantics).</summary>
public sealed record Softmax(long Axis = -1) : Op
{
    public override TensorType[] InferTypes(InferenceContext context)
    {
        ShapeMath.Axis(Axis, context.Shape(0).Rank);
        return [context.Type(0)];
    }
}

/// <summary>log(softmax(x)) along one axis.</summary>
public sealed record LogSoftmax(long Axis = -1) : Op
{
    public override TensorType[] InferTypes(InferenceContext context)
    {
        ShapeMath.Axis(Axis, context.Shape(0).Rank);
        return [context.Type(0)];
    }
}
