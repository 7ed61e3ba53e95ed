namespace MgeConvert;

/// <summary>
/// A model file that cannot be read or written as asked. The message names the file and, where known,
/// the byte offset or the operator, and says what was expected.
/// </summary>
public class ModelFormatException : Exception
{
    public ModelFormatException(string file, string message, long? offset = null, string? op = null, Exception? inner = null)
        : base(Compose(file, message, offset, op), inner)
    {
        File = file;
        Offset = offset;
        Op = op;
        Detail = message;
    }

    public string File { get; }

    public long? Offset { get; }

    public string? Op { get; }

    public string Detail { get; }

    private static string Compose(string file, string message, long? offset, string? op)
    {
        var where = offset is { } o ? $" at byte {o}" : op is not null ? $" at {op}" : "";
        return $"{file}{where}: {message}";
    }
}

/// <summary>One operator a target (or the IR) cannot express.</summary>
public sealed record UnsupportedOp(string OpType, string NodeName, string? Reason = null)
{
    public override string ToString() => Reason is null ? $"{OpType} (node {NodeName})" : $"{OpType} (node {NodeName}): {Reason}";
}

/// <summary>Every unsupported operator of a model, found before anything is written.</summary>
public sealed class UnsupportedOpsException(string file, string target, IReadOnlyList<UnsupportedOp> ops)
    : ModelFormatException(file, $"{ops.Count} operator(s) not supported by {target}:{Environment.NewLine}  " +
        string.Join(Environment.NewLine + "  ", ops.Select(o => "unsupported op " + o)))
{
    public string Target { get; } = target;

    public IReadOnlyList<UnsupportedOp> Ops { get; } = ops;
}
