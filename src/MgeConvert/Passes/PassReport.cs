using System.Text;

namespace MgeConvert.Passes;

/// <summary>What one pass changed: node counts before and after, per-op count changes, and its notes.</summary>
public sealed record PassRecord(string Pass, int NodesBefore, int NodesAfter, IReadOnlyDictionary<string, int> OpCountChanges,
    IReadOnlyList<string> Notes)
{
    public bool Changed => NodesBefore != NodesAfter || OpCountChanges.Count > 0 || Notes.Count > 0;

    public override string ToString()
    {
        var changes = string.Join(", ", OpCountChanges.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} {p.Value:+0;-0}"));
        return $"{Pass}: {NodesBefore} -> {NodesAfter} nodes" + (changes.Length > 0 ? $" ({changes})" : "");
    }
}

/// <summary>The records of a pipeline run, in pass order.</summary>
public sealed class PassReport
{
    public List<PassRecord> Records { get; } = [];

    /// <summary>The first record of the named pass.</summary>
    public PassRecord this[string pass] => Records.First(r => r.Pass == pass);

    public override string ToString()
    {
        var sb = new StringBuilder();
        foreach (var record in Records)
        {
            sb.AppendLine(record.ToString());
            foreach (var note in record.Notes)
            {
                sb.Append("  ").AppendLine(note);
            }
        }

        return sb.ToString();
    }
}
