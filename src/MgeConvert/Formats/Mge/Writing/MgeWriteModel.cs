using Google.FlatBuffers;
using MgeConvert.Formats.Mge.Fbs;

namespace MgeConvert.Formats.Mge.Writing;

/// <summary>One operator param: its OperatorParam union tag and a builder for its table.</summary>
internal sealed record MgeWriteParam(OperatorParam Tag, Func<FlatBufferBuilder, int> Build);

/// <summary>
/// A tensor an operator stores: graph input (no data) or constant value (little-endian, C order), usually a
/// view of the IR constant's bytes.
/// </summary>
internal sealed record MgeWriteTensor(string? Name, uint[] Shape, MgeDType DType, ReadOnlyMemory<byte>? Data);

/// <summary>One operator to serialize, independent of the container; var ids follow §6 (sequential over numbered outputs).</summary>
internal sealed class MgeWriteOp
{
    /// <summary>Runtime operator class (e.g. ConvolutionForward), the key of <see cref="MgeWriteTypes"/>.</summary>
    public required string Class { get; init; }

    public required IReadOnlyList<MgeWriteParam> Params { get; init; }

    public required uint[] Inputs { get; init; }

    public required int FirstOutput { get; init; }

    public required int OutputCount { get; init; }

    public IReadOnlyList<MgeWriteTensor> Tensors { get; init; } = [];

    public MgeDType? OutputDType { get; init; }

    public IEnumerable<int> Outputs => Enumerable.Range(FirstOutput, OutputCount);
}

/// <summary>A lowered graph: operators in topological order, a name per var, the graph outputs.</summary>
internal sealed class MgeWriteProgram
{
    public List<MgeWriteOp> Ops { get; } = [];

    public List<string> VarNames { get; } = [];

    public List<MgeDType> VarTypes { get; } = [];

    public List<(int Var, string Name)> Outputs { get; } = [];

    public int VarCount => VarNames.Count;
}
