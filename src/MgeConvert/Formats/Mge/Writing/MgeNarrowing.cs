namespace MgeConvert.Formats.Mge.Writing;

/// <summary>
/// What writing 64-bit values as MegEngine's 32-bit types changed (MegEngine has no int64 or float64): the user is
/// told, since a value beyond the 32-bit range does not survive (floats become ±inf, integers are clamped).
/// </summary>
internal sealed class MgeNarrowing
{
    private readonly List<string> _inputs = [];

    public int FloatConstants { get; private set; }

    public long FloatsBeyondRange { get; private set; }

    public int IntConstants { get; private set; }

    public long IntsClamped { get; private set; }

    public void FloatConstant(long beyondRange)
    {
        FloatConstants++;
        FloatsBeyondRange += beyondRange;
    }

    public void IntConstant(long clamped)
    {
        IntConstants++;
        IntsClamped += clamped;
    }

    public void Input(string name, Ir.DataType from, MgeDType to) => _inputs.Add($"input {name}: {from} is declared as {to.Kind} (MegEngine has no 64-bit types)");

    /// <summary>One line per kind of change; empty when nothing was narrowed.</summary>
    public IReadOnlyList<string> Notes()
    {
        var notes = new List<string>(_inputs);
        if (FloatConstants > 0)
        {
            notes.Add($"{FloatConstants} float64 constant(s) written as float32"
                + (FloatsBeyondRange > 0 ? $"; {FloatsBeyondRange} value(s) beyond float32's range became ±inf" : ""));
        }

        if (IntConstants > 0)
        {
            notes.Add($"{IntConstants} int64/uint32 constant(s) written as int32"
                + (IntsClamped > 0 ? $"; {IntsClamped} value(s) outside int32's range were clamped" : ""));
        }

        return notes;
    }
}
