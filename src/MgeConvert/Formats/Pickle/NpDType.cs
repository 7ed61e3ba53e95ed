using System.Globalization;
using MgeConvert.Ir;

namespace MgeConvert.Formats.Pickle;

/// <summary>
/// A numpy dtype as pickled: REDUCE(numpy.dtype, (code, align, copy)) then BUILD with
/// (version, endian, subdescr, names, fields, elsize, alignment, flags[, metadata]).
/// </summary>
public sealed class NpDType
{
    public NpDType(string code)
    {
        Code = code;
        (Kind, ItemSize) = ParseCode(code);
        Endian = ItemSize <= 1 ? '|' : '<';
    }

    /// <summary>The constructor code, e.g. "f4", "i1", "b1".</summary>
    public string Code { get; }

    /// <summary>numpy kind: b (bool), i, u, f, c, V, O, S, U, M, m.</summary>
    public char Kind { get; }

    public int ItemSize { get; private set; }

    /// <summary>'&lt;' little, '&gt;' big, '|' not applicable, '=' native.</summary>
    public char Endian { get; private set; }

    /// <summary>The dtype metadata dict (MegEngine quantized dtypes keep "mgb_dtype" there); null when absent.</summary>
    public PyDict? Metadata { get; private set; }

    public bool IsBigEndian => Endian == '>' && ItemSize > 1;

    /// <summary>MegEngine's quantized dtype name from the metadata ("QuantizedS8", "Quantized8Asymm", ...), or null.</summary>
    public string? QuantName => MgbDType?.Get("name") as string;

    public double? QuantScale => PyValues.TryGetDouble(MgbDType?.Get("scale"), out var s) ? s : null;

    public long? QuantZeroPoint => PyValues.TryGetLong(MgbDType?.Get("zero_point"), out var z) ? z : null;

    private PyDict? MgbDType => Metadata?.Get("mgb_dtype") as PyDict;

    /// <summary>The dtype of a numpy scalar type reference such as numpy.int8 (old MegEngine tensors store the type).</summary>
    public static NpDType? FromScalarType(PyGlobal type)
    {
        if (type.Module is not ("numpy" or "builtins"))
        {
            return null;
        }

        var code = type.Name switch
        {
            "bool_" or "bool" => "b1",
            "int8" => "i1",
            "uint8" => "u1",
            "int16" => "i2",
            "uint16" => "u2",
            "int32" => "i4",
            "uint32" => "u4",
            "int64" or "int_" or "int" => "i8",
            "uint64" => "u8",
            "float16" or "half" => "f2",
            "float32" or "single" => "f4",
            "float64" or "double" or "float" => "f8",
            _ => null,
        };
        return code is null ? null : new NpDType(code);
    }

    /// <summary>The IR element type; throws for dtypes the IR has no type for.</summary>
    public ElementType ElementType => (Kind, ItemSize) switch
    {
        ('b', 1) => ElementType.Bool,
        ('i', 1) => ElementType.Int8,
        ('i', 2) => ElementType.Int16,
        ('i', 4) => ElementType.Int32,
        ('i', 8) => ElementType.Int64,
        ('u', 1) => ElementType.UInt8,
        ('u', 2) => ElementType.UInt16,
        ('u', 4) => ElementType.UInt32,
        ('u', 8) => ElementType.UInt64,
        ('f', 2) => ElementType.Float16,
        ('f', 4) => ElementType.Float32,
        ('f', 8) => ElementType.Float64,
        _ => throw new PickleException($"numpy dtype '{Code}' has no tensor element type"),
    };

    /// <summary>The IR data type, with quantization parameters when the metadata carries MegEngine's mgb_dtype.</summary>
    public DataType ToDataType()
    {
        var element = ElementType;
        if (QuantScale is { } scale)
        {
            return new DataType(element, new QuantParams((float)scale, QuantZeroPoint ?? 0));
        }

        return new DataType(element);
    }

    /// <summary>The numpy code for an IR element type.</summary>
    public static string CodeOf(ElementType type) => type switch
    {
        ElementType.Bool => "b1",
        ElementType.Int8 => "i1",
        ElementType.UInt8 => "u1",
        ElementType.Int16 => "i2",
        ElementType.UInt16 => "u2",
        ElementType.Int32 => "i4",
        ElementType.UInt32 => "u4",
        ElementType.Int64 => "i8",
        ElementType.UInt64 => "u8",
        ElementType.Float16 => "f2",
        ElementType.Float32 => "f4",
        ElementType.Float64 => "f8",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    public static NpDType FromElementType(ElementType type, PyDict? metadata = null) =>
        new(CodeOf(type)) { Metadata = metadata };

    internal void ApplyState(object? state)
    {
        if (state is not PyTuple t || t.Count < 8)
        {
            throw new PickleException($"numpy dtype '{Code}': expected an 8- or 9-tuple state, got {PyValues.Repr(state)}");
        }

        if (t[1] is string { Length: 1 } endian)
        {
            Endian = endian[0];
        }

        if (Kind is 'V' or 'S' or 'U' && PyValues.TryGetLong(t[5], out var elsize) && elsize > 0)
        {
            ItemSize = checked((int)elsize);
        }

        Metadata = t.Count >= 9 ? t[8] as PyDict : null;
    }

    public override string ToString() => $"dtype('{(ItemSize > 1 ? Endian.ToString() : "|")}{Kind}{ItemSize}'){(QuantName is { } q ? $"[{q} scale={QuantScale?.ToString("R", CultureInfo.InvariantCulture)}]" : "")}";

    private static (char Kind, int Size) ParseCode(string code)
    {
        var c = code.TrimStart('<', '>', '|', '=');
        var named = c switch
        {
            "bool" or "?" => "b1",
            "int8" or "b" => "i1",
            "uint8" or "B" => "u1",
            "int16" or "h" => "i2",
            "uint16" or "H" => "u2",
            "int32" or "i" => "i4",
            "uint32" or "I" => "u4",
            "int64" or "l" or "q" => "i8",
            "uint64" or "L" or "Q" => "u8",
            "float16" or "e" => "f2",
            "float32" or "f" => "f4",
            "float64" or "d" => "f8",
            "complex64" or "F" => "c8",
            "complex128" or "D" => "c16",
            "O" or "object" => "O8",
            _ => c,
        };
        if (named.Length >= 1 && char.IsLetter(named[0]))
        {
            var kind = named[0];
            var rest = named[1..];
            if (rest.Length == 0 && kind is 'V' or 'S' or 'U')
            {
                return (kind, 0);
            }

            if (int.TryParse(rest, NumberStyles.None, CultureInfo.InvariantCulture, out var size) && size is >= 0 and <= 1 << 20
                && "biufcVOSUMm".Contains(kind, StringComparison.Ordinal))
            {
                return (kind, kind == 'U' ? size * 4 : size);
            }
        }

        throw new PickleException($"unknown numpy dtype code '{code}'");
    }
}
