using MgeConvert.Ir;

namespace MgeConvert.Passes;

/// <summary>A graph transformation that keeps the graph's results (within float rounding).</summary>
public interface IPass
{
    string Name { get; }

    /// <summary>The pass's contract: what it changes and what it guarantees.</summary>
    string Description { get; }

    void Run(Graph graph, PassContext context);
}
