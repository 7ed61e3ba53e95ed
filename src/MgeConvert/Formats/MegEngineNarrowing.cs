using MgeConvert.Ir;

namespace MgeConvert.Formats;

/// <summary>
/// MegEngine has no 64-bit tensors, so its writers (.mge, .tm) store int64 as int32 and float64 as float32. What that
/// changes is told to the user, since a value beyond the 32-bit range does not survive (floats become ±inf, integers
/// are clamped).
/// </summary>
public static class MegEngineNarrowing
{
    /// <summary>One line per narrowed graph input and per kind of narrowed constant; empty when nothing is narrowed.</summary>
    public static IReadOnlyList<string> Notes(Graph graph)
    {
        var notes = graph.Inputs.Where(i => !i.DType.IsQuantized && Is64Bit(i.DType.Element))
            .Select(i => $"input {i.Name}: {i.DType} is declared as {(i.DType.Element == ElementType.Float64 ? "float32" : "int32")} (MegEngine has no 64-bit types)")
            .ToList();
        var constants = graph.Nodes.SelectMany(n => n.Inputs).OfType<Value>().Where(v => v.Constant is { DType.IsQuantized: false })
            .Distinct().Select(v => v.Constant!).ToList();
        var floats = constants.Where(t => t.DType.Element == ElementType.Float64).ToList();
        if (floats.Count > 0)
        {
            var beyond = floats.Sum(t => t.ToDoubles().LongCount(d => double.IsFinite(d) && float.IsInfinity((float)d)));
            notes.Add($"{floats.Count} float64 constant(s) written as float32"
                + (beyond > 0 ? $"; {beyond} value(s) beyond float32's range became ±inf" : ""));
        }

        var ints = constants.Where(t => t.DType.Element is ElementType.Int64 or ElementType.UInt64).ToList();
        if (ints.Count > 0)
        {
            var clamped = ints.Sum(t => t.ToInt64s().LongCount(v => v is < int.MinValue or > int.MaxValue));
            notes.Add($"{ints.Count} int64 constant(s) written as int32"
                + (clamped > 0 ? $"; {clamped} value(s) outside int32's range were clamped" : ""));
        }

        return notes;
    }

    private static bool Is64Bit(ElementType type) => type is ElementType.Float64 or ElementType.Int64 or ElementType.UInt64;
}
