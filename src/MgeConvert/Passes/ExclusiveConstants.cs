using System.Runtime.InteropServices;
using MgeConvert.Ir;

namespace MgeConvert.Passes;

/// <summary>
/// Which constants of a graph may be rewritten in place: their bytes lie in a managed array (not a mapped file) and
/// overlap no other constant's bytes, so a pass that is the value's only reader can change them without holding a
/// second copy and without changing any other value. The graph is taken to own its constants' memory.
/// </summary>
internal sealed class ExclusiveConstants
{
    private readonly Dictionary<byte[], List<(int Start, int End, Value Value)>> _spans = new(ReferenceEqualityComparer.Instance);

    public ExclusiveConstants(Graph graph)
    {
        foreach (var value in graph.Constants())
        {
            if (MemoryMarshal.TryGetArray(value.Constant!.Bytes, out var segment) && segment.Array is { } array)
            {
                if (!_spans.TryGetValue(array, out var list))
                {
                    _spans[array] = list = [];
                }

                list.Add((segment.Offset, segment.Offset + segment.Count, value));
            }
        }
    }

    /// <summary>The value's bytes, writable, when no other constant of the graph shares any of them.</summary>
    public bool TryGetWritable(Value value, out Memory<byte> bytes)
    {
        bytes = default;
        if (value.Constant is not { } tensor || !MemoryMarshal.TryGetArray(tensor.Bytes, out var segment) || segment.Array is not { } array
            || !_spans.TryGetValue(array, out var list))
        {
            return false;
        }

        var (start, end) = (segment.Offset, segment.Offset + segment.Count);
        if (list.Any(s => s.Value != value && s.Start < end && start < s.End))
        {
            return false;
        }

        bytes = MemoryMarshal.AsMemory(tensor.Bytes);
        return true;
    }
}
