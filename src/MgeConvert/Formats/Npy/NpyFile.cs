using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using MgeConvert.Ir;

namespace MgeConvert.Formats.Npy;

/// <summary>NumPy .npy files (format 1.0–3.0, little-endian, C or Fortran order) as IR tensors.</summary>
public static partial class NpyFile
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    public static Tensor Read(string path) => Parse(File.ReadAllBytes(path), path);

    public static Tensor Parse(byte[] bytes, string name = "<npy>")
    {
        if (bytes.Length < 10 || !bytes.AsSpan(0, 6).SequenceEqual(Magic))
        {
            throw new ModelFormatException(name, "not a .npy file (expected magic \\x93NUMPY)", 0);
        }

        var major = bytes[6];
        int headerLength;
        int offset;
        if (major == 1)
        {
            headerLength = BitConverter.ToUInt16(bytes, 8);
            offset = 10;
        }
        else
        {
            headerLength = checked((int)BitConverter.ToUInt32(bytes, 8));
            offset = 12;
        }

        if (offset + headerLength > bytes.Length)
        {
            throw new ModelFormatException(name, "truncated .npy header", offset);
        }

        var header = Encoding.Latin1.GetString(bytes, offset, headerLength);
        var descr = DescrPattern().Match(header);
        var shapeMatch = ShapePattern().Match(header);
        if (!descr.Success || !shapeMatch.Success)
        {
            throw new ModelFormatException(name, $"cannot parse .npy header {header.Trim()}", offset);
        }

        var fortran = header.Contains("'fortran_order': True", StringComparison.Ordinal);
        var dims = shapeMatch.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(d => long.Parse(d, CultureInfo.InvariantCulture)).ToArray();
        var dtype = ParseDescr(descr.Groups[1].Value, name);
        var shape = new Shape(dims);
        var dataStart = offset + headerLength;
        var size = checked((int)(shape.ElementCount * dtype.ElementSize));
        if (dataStart + size > bytes.Length)
        {
            throw new ModelFormatException(name, $"data needs {size} bytes, file has {bytes.Length - dataStart}", dataStart);
        }

        var data = bytes.AsMemory(dataStart, size);
        return fortran && dims.Length > 1 ? FromFortran(dtype, shape, data.Span) : new Tensor(dtype, shape, data);
    }

    public static void Write(string path, Tensor tensor) => File.WriteAllBytes(path, Serialize(tensor));

    public static byte[] Serialize(Tensor tensor)
    {
        var dims = string.Join(", ", tensor.Shape.Select(d => d.ToString(CultureInfo.InvariantCulture)));
        if (tensor.Shape.Rank == 1)
        {
            dims += ",";
        }

        var header = $"{{'descr': '{Descr(tensor.DType.Element)}', 'fortran_order': False, 'shape': ({dims}), }}";
        var total = 10 + header.Length + 1;
        header = header.PadRight(header.Length + ((64 - (total % 64)) % 64)) + "\n";
        var result = new byte[10 + header.Length + tensor.Bytes.Length];
        Magic.CopyTo(result, 0);
        result[6] = 1;
        BitConverter.TryWriteBytes(result.AsSpan(8), (ushort)header.Length);
        Encoding.Latin1.GetBytes(header).CopyTo(result, 10);
        tensor.Bytes.Span.CopyTo(result.AsSpan(10 + header.Length));
        return result;
    }

    private static DataType ParseDescr(string descr, string name)
    {
        if (descr.Length > 1 && descr[0] == '>' && descr[1..] is not ("i1" or "u1" or "b1"))
        {
            throw new ModelFormatException(name, $"big-endian arrays ({descr}) are not supported");
        }

        return descr.TrimStart('<', '|', '=') switch
        {
            "f4" => DataType.Float32,
            "f2" => DataType.Float16,
            "f8" => DataType.Float64,
            "i1" => DataType.Int8,
            "u1" => DataType.UInt8,
            "i2" => DataType.Int16,
            "u2" => new DataType(ElementType.UInt16),
            "i4" => DataType.Int32,
            "u4" => new DataType(ElementType.UInt32),
            "i8" => DataType.Int64,
            "u8" => new DataType(ElementType.UInt64),
            "b1" => DataType.Bool,
            _ => throw new ModelFormatException(name, $"unsupported .npy dtype {descr}"),
        };
    }

    private static string Descr(ElementType type) => type switch
    {
        ElementType.Float32 => "<f4",
        ElementType.Float16 => "<f2",
        ElementType.Float64 => "<f8",
        ElementType.Int8 => "|i1",
        ElementType.UInt8 => "|u1",
        ElementType.Int16 => "<i2",
        ElementType.UInt16 => "<u2",
        ElementType.Int32 => "<i4",
        ElementType.UInt32 => "<u4",
        ElementType.Int64 => "<i8",
        ElementType.UInt64 => "<u8",
        ElementType.Bool => "|b1",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    private static Tensor FromFortran(DataType dtype, Shape shape, ReadOnlySpan<byte> source)
    {
        var dims = shape.ToIntArray();
        var size = dtype.ElementSize;
        var result = new byte[source.Length];
        var count = (int)shape.ElementCount;
        var index = new int[dims.Length];
        for (var c = 0; c < count; c++)
        {
            // c walks the C-order positions; f is the same element's position in Fortran order.
            int f = 0, stride = 1;
            for (var d = 0; d < dims.Length; d++)
            {
                f += index[d] * stride;
                stride *= dims[d];
            }

            source.Slice(f * size, size).CopyTo(result.AsSpan(c * size, size));
            for (var d = dims.Length - 1; d >= 0 && ++index[d] == dims[d]; d--)
            {
                index[d] = 0;
            }
        }

        return new Tensor(dtype, shape, result);
    }

    [GeneratedRegex(@"'descr':\s*'([^']+)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'shape':\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
