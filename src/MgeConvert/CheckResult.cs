using MgeConvert.Formats;

namespace MgeConvert;

/// <summary>Why a target cannot express an operator (<c>mgeconvert check</c>).</summary>
public static class ReasonCodes
{
    /// <summary>The target has no operator for it.</summary>
    public const string NoMapping = "NO_MAPPING";

    /// <summary>The operator exists in the target, but not for this element type or quantization.</summary>
    public const string UnsupportedDtype = "UNSUPPORTED_DTYPE";

    /// <summary>The target needs a static shape (or rank) that the model does not give.</summary>
    public const string DynamicShape = "DYNAMIC_SHAPE";

    /// <summary>The operator exists in the target, but not with these attribute values.</summary>
    public const string UnsupportedAttribute = "UNSUPPORTED_ATTRIBUTE";

    /// <summary>The chosen ONNX opset is too old for it.</summary>
    public const string OpsetTooLow = "OPSET_TOO_LOW";

    /// <summary>The source operator has no IR equivalent, so no target can express it.</summary>
    public const string NotInIr = "NOT_IN_IR";
}

/// <summary>One operator the target cannot express.</summary>
public sealed record CheckProblem(string Op, string Node, string Code, string? Reason);

/// <summary>What <see cref="Converter.Check"/> found: every operator the target cannot express, nothing written.</summary>
public sealed record CheckResult(string Input, ModelFormat From, ModelFormat To, int Ops, IReadOnlyList<CheckProblem> Problems, IReadOnlyList<string> Warnings)
{
    public bool Expressible => Problems.Count == 0;
}
