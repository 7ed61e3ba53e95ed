namespace MgeConvert.Formats;

/// <summary>A writer that can say something about its last output (shown in the conversion summary).</summary>
public interface IWriterNotes
{
    /// <summary>One line per note about the last prepared output; empty before the first call.</summary>
    IReadOnlyList<string> LastNotes { get; }
}
