namespace MgeConvert.Fuzz;

public enum FindingKind
{
    Exception,
    Hang,
    Allocation,
}

/// <summary>An input whose reading ended in anything but success or a ModelFormatException, or took too long or too much.</summary>
public sealed record FuzzFinding(string Target, long Iteration, FindingKind Kind, string Signature, string Detail, string? SavedAs);
