using MgeConvert.Reference;

namespace MgeConvert.Passes;

/// <summary>What passes share: the constant evaluator, and a log of notable changes for the report.</summary>
public sealed class PassContext(ConstantEvaluator? evaluator = null)
{
    private readonly List<string> _notes = [];

    public ConstantEvaluator Evaluator { get; } = evaluator ?? new ConstantEvaluator();

    public IReadOnlyList<string> Notes => _notes;

    /// <summary>Records a change (e.g. "fused bn1 into conv1").</summary>
    public void Note(string change) => _notes.Add(change);

    internal List<string> TakeNotes()
    {
        var notes = new List<string>(_notes);
        _notes.Clear();
        return notes;
    }
}
