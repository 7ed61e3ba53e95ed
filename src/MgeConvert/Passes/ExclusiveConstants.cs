using System.Runtime.InteropServices;
using MgeConvert.Ir;

namespace MgeConvert.Passes;

/// <summary>
/// Which constants of a graph one node may rewrite in place: that node is the value's only reader, and the bytes lie
/// in a managed array (not a mapped file) and overlap no other constant's bytes, so they can change without a second
/// copy and without changing any other value. The graph is taken to own its constants' memory.
/// </summary>
internal sealed class ExclusiveConstants
{
    private readonly Dictionary<byte[], List<(int Start, int End, Value Value)>> _spans = new(ReferenceEqualityComparer.Instance);
    private readonly Graph _graph;
    private readonly Dictionary<Value, List<Node>> _consumers;

    public ExclusiveConstants(Graph graph, Dictionary<Value, List<Node>> consumers)
    {
        _graph = graph;
        _consumers = consumers;
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

    /// <summary>The value's bytes, writable, when only <paramref name="reader"/> reads it and no other constant shares any of them.</summary>
    public bool TryGetWritable(Value value, Node reader, out Memory<byte> bytes)
    {
        bytes = default;
        if (!GraphEdits.OnlyReadBy(_graph, value, reader, _consumers) || value.Constant is not { } tensor || !MemoryMarshal.TryGetArray(tensor.Bytes, out var segment) || segment.Array is not { } array
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
