namespace MgeConvert.Formats;

/// <summary>A writer that can count the operators (in the target format's own names) of its last output.</summary>
public interface IWriterOpCounts
{
    /// <summary>Target operator counts of the last prepared output; empty before the first call.</summary>
    IReadOnlyList<OpCount> LastTargetOps { get; }
}
