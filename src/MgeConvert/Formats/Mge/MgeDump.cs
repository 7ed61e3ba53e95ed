using Google.FlatBuffers;
using MgeConvert.Formats.Mge.Fbs;

namespace MgeConvert.Formats.Mge;

/// <summary>A MegEngine dtype as stored in a dump: enum plus linear quantization parameters.</summary>
internal sealed record MgeDType(DTypeEnum Kind, float Scale = 0, byte ZeroPoint = 0)
{
    public static readonly MgeDType Float32 = new(DTypeEnum.Float32);

    public static MgeDType From(DType? dtype)
    {
        if (dtype is not { } d)
        {
            return Float32;
        }

        var q = d.ParamType == DTypeParam.LinearQuantizationParam ? d.Param<LinearQuantizationParam>() : null;
        return new MgeDType(d.Type, q?.Scale ?? 0, q?.ZeroPoint ?? 0);
    }

    public override string ToString() => Scale == 0 ? Kind.ToString() : $"{Kind}(scale {Scale:R}, zero point {ZeroPoint})";
}

/// <summary>A tensor stored with an operator: name, shape, dtype and (for constants) the value bytes sliced from the file.</summary>
internal sealed record MgeTensorRecord(string? Name, long[] Shape, MgeDType DType, ReadOnlyMemory<byte>? Data);

/// <summary>One operator parameter table (a member of the OperatorParam union).</summary>
internal readonly record struct MgeParam(OperatorParam Tag, ByteBuffer Buffer, int Position)
{
    public T As<T>()
        where T : struct, IFlatbufferObject
    {
        var table = default(T);
        table.__init(Position, Buffer);
        return table;
    }
}

/// <summary>One operator of a dump, independent of the container version.</summary>
internal sealed class MgeOperatorRecord
{
    public required int Index { get; init; }

    /// <summary>Canonical operator class (e.g. ConvolutionForward), or the raw type when unknown.</summary>
    public required string Type { get; init; }

    public required bool IsKnownType { get; init; }

    /// <summary>The stored type id, v2 <c>type</c> string (null in v1) and v2 record version (0 in v1).</summary>
    public ulong TypeId { get; init; }

    public string? TypeName { get; init; }

    public uint OprVersion { get; init; }

    public required uint[] Inputs { get; init; }

    /// <summary>Var ids of the numbered outputs (§6).</summary>
    public List<int> Outputs { get; } = [];

    /// <summary>param first, then additional_params in order.</summary>
    public required List<MgeParam> Params { get; init; }

    public required List<MgeTensorRecord> Tensors { get; init; }

    public MgeDType? OutputDType { get; init; }

    public string? Name { get; init; }

    public string Describe => Name is null ? $"operator #{Index} ({Type})" : $"operator #{Index} {Name} ({Type})";

    public MgeParam? Param(OperatorParam tag)
    {
        foreach (var p in Params)
        {
            if (p.Tag == tag)
            {
                return p;
            }
        }

        return null;
    }
}

/// <summary>A whole graph dump: operators in topological order, var names, graph outputs.</summary>
internal sealed class MgeDump
{
    public required string Container { get; init; }

    /// <summary>mgb_version (v1) or mge_version (v2).</summary>
    public required uint Version { get; init; }

    public ulong OptimizeOptions { get; init; }

    public List<MgeOperatorRecord> Operators { get; } = [];

    public Dictionary<int, string> VarNames { get; } = [];

    public List<(int Var, string? Name)> Outputs { get; } = [];

    /// <summary>File offset just after this graph (a test-case graph may follow).</summary>
    public int End { get; init; }

    public int VarCount { get; set; }
}
