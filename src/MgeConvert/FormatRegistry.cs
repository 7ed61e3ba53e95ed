using System.Globalization;
using System.Text;
using MgeConvert.Formats;

namespace MgeConvert;

/// <summary>
/// The readers and writers a <see cref="Converter"/> can use. Immutable; <see cref="With(IModelReader)"/> and
/// <see cref="With(IModelWriter)"/> return extended copies.
/// </summary>
public sealed class FormatRegistry
{
    /// <summary>How many leading bytes are shown to <see cref="IModelReader.CanRead"/>.</summary>
    public const int HeaderLength = 64;

    public FormatRegistry(IEnumerable<IModelReader> readers, IEnumerable<IModelWriter> writers)
    {
        Readers = [.. readers];
        Writers = [.. writers];
    }

    /// <summary>The formats built into this library (see <see cref="BuiltInFormats"/>).</summary>
    public static FormatRegistry Default { get; } = new(BuiltInFormats.Readers(), BuiltInFormats.Writers());

    public static FormatRegistry Empty { get; } = new([], []);

    /// <summary>Readers in detection order: the first whose CanRead accepts a header wins.</summary>
    public IReadOnlyList<IModelReader> Readers { get; }

    public IReadOnlyList<IModelWriter> Writers { get; }

    public FormatRegistry With(IModelReader reader) => new([.. Readers, reader], Writers);

    public FormatRegistry With(IModelWriter writer) => new(Readers, [.. Writers, writer]);

    public IModelReader? FindReader(ModelFormat format) => Readers.FirstOrDefault(r => r.Format == format);

    public IModelWriter? FindWriter(ModelFormat format) => Writers.FirstOrDefault(w => w.Format == format);

    public bool CanConvert(ModelFormat from, ModelFormat to) => FindReader(from) is not null && FindWriter(to) is not null;

    /// <summary>The readers that accept <paramref name="header"/>, in registration order.</summary>
    public IReadOnlyList<IModelReader> ReadersFor(ReadOnlySpan<byte> header)
    {
        var found = new List<IModelReader>();
        foreach (var reader in Readers)
        {
            if (reader.CanRead(header))
            {
                found.Add(reader);
            }
        }

        return found;
    }

    /// <summary>
    /// The reader for the file at <paramref name="path"/>; with <paramref name="preferred"/>, a reader of that
    /// format wins over others accepting the same header. Throws <see cref="ModelFormatException"/> when no
    /// reader recognises the file.
    /// </summary>
    public IModelReader Detect(string path, ModelFormat? preferred = null)
    {
        var header = ReadHeader(path);
        var candidates = ReadersFor(header);
        if (candidates.Count == 0)
        {
            throw UnknownFormat(path, header);
        }

        return candidates.FirstOrDefault(r => r.Format == preferred) ?? candidates[0];
    }

    /// <summary>Up to <see cref="HeaderLength"/> leading bytes of a file.</summary>
    public static byte[] ReadHeader(string path)
    {
        InputFile.RequireExists(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        var buffer = new byte[HeaderLength];
        var total = 0;
        int read;
        while (total < buffer.Length && (read = stream.Read(buffer, total, buffer.Length - total)) > 0)
        {
            total += read;
        }

        return buffer[..total];
    }

    private ModelFormatException UnknownFormat(string path, byte[] header)
    {
        if (header.Length == 0)
        {
            return new ModelFormatException(path, "unknown model format: the file is empty");
        }

        var known = Readers.Select(r => r.Format).Distinct().Select(f => f.Description()).ToList();
        var expected = known.Count == 0
            ? "no model readers are available in this build"
            : "expected one of: " + string.Join(", ", known);
        return new ModelFormatException(path, $"unknown model format (first bytes: {Describe(header)}); {expected}", offset: 0);
    }

    /// <summary>Hex of the first 16 bytes plus their printable ASCII, e.g. <c>08 07 12 ... "..pytorch"</c>.</summary>
    internal static string Describe(ReadOnlySpan<byte> header)
    {
        var shown = header[..Math.Min(16, header.Length)];
        var hex = new StringBuilder();
        var text = new StringBuilder();
        foreach (var b in shown)
        {
            if (hex.Length > 0)
            {
                hex.Append(' ');
            }

            hex.Append(b.ToString("x2", CultureInfo.InvariantCulture));
            text.Append(b is >= 0x20 and < 0x7f ? (char)b : '.');
        }

        return $"{hex} \"{text}\"";
    }
}
