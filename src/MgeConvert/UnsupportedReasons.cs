namespace MgeConvert;

/// <summary>Sorts the writers' free-text reasons for refusing an operator into <see cref="ReasonCodes"/>.</summary>
internal static class UnsupportedReasons
{
    public static string Classify(UnsupportedOp op, bool opaque)
    {
        if (opaque)
        {
            return ReasonCodes.NotInIr;
        }

        if (op.Reason is not { Length: > 0 } reason)
        {
            return ReasonCodes.NoMapping;
        }

        var r = reason.ToLowerInvariant();
        if (r.Contains("opset", StringComparison.Ordinal))
        {
            return ReasonCodes.OpsetTooLow;
        }

        if (r.Contains("dynamic", StringComparison.Ordinal) || r.Contains("unknown shape", StringComparison.Ordinal)
            || r.Contains("static shape", StringComparison.Ordinal) || r.Contains("unknown rank", StringComparison.Ordinal)
            || r.Contains("known shape", StringComparison.Ordinal) || r.Contains("constant shape", StringComparison.Ordinal))
        {
            return ReasonCodes.DynamicShape;
        }

        if (r.Contains("dtype", StringComparison.Ordinal) || r.Contains("element type", StringComparison.Ordinal)
            || r.Contains("quantiz", StringComparison.Ordinal) || r.Contains("data type", StringComparison.Ordinal)
            || ContainsTypeName(r))
        {
            return ReasonCodes.UnsupportedDtype;
        }

        if (r.Contains(" with ", StringComparison.Ordinal) || r.Contains("attribute", StringComparison.Ordinal))
        {
            return ReasonCodes.UnsupportedAttribute;
        }

        if (r.Contains("has no ", StringComparison.Ordinal) || r.Contains("no layer", StringComparison.Ordinal)
            || r.Contains("no operator", StringComparison.Ordinal) || r.Contains("not supported", StringComparison.Ordinal))
        {
            return ReasonCodes.NoMapping;
        }

        return ReasonCodes.UnsupportedAttribute;
    }

    private static bool ContainsTypeName(string reason) =>
        new[] { "float16", "float64", "int64", "int32", "int16", "uint", "bool", "f16", "f64", "i64", "i32", "i16", "i8[", "u8[", "qi8", "qu8" }
            .Any(t => reason.Contains(t, StringComparison.Ordinal));
}
