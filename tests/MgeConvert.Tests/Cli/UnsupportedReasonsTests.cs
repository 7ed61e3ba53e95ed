namespace MgeConvert.Tests.Cli;

/// <summary>The writers' free-text refusals sorted into the reason codes that <c>check</c> prints.</summary>
public sealed class UnsupportedReasonsTests
{
    [Theory]
    [InlineData(null, false, "NO_MAPPING")]
    [InlineData("Caffe has no layer for this op", false, "NO_MAPPING")]
    [InlineData("Caffe has no reduction Prod", false, "NO_MAPPING")]
    [InlineData("Caffe has no Greater with a constant", false, "UNSUPPORTED_ATTRIBUTE")]
    [InlineData("Caffe inputs are float blobs of a fixed shape, got i32[2,4]", false, "UNSUPPORTED_DTYPE")]
    [InlineData("output has element type float64", false, "UNSUPPORTED_DTYPE")]
    [InlineData("needs a static shape", false, "DYNAMIC_SHAPE")]
    [InlineData("needs opset 11", false, "OPSET_TOO_LOW")]
    [InlineData("ceil_mode is not expressible", false, "UNSUPPORTED_ATTRIBUTE")]
    [InlineData(null, true, "NOT_IN_IR")]
    public void ReasonsMapToCodes(string? reason, bool opaque, string code) =>
        Assert.Equal(code, UnsupportedReasons.Classify(new UnsupportedOp("Op", "node", reason), opaque));
}
