using MgeConvert.Formats;

namespace MgeConvert;

/// <summary>The conversion asked for has no reader or no writer in this build.</summary>
public sealed class ConversionNotAvailableException(string file, ModelFormat from, ModelFormat to, bool readerMissing, bool writerMissing)
    : ModelFormatException(file, Describe(from, to, readerMissing, writerMissing))
{
    public ModelFormat From { get; } = from;

    public ModelFormat To { get; } = to;

    private static string Describe(ModelFormat from, ModelFormat to, bool readerMissing, bool writerMissing)
    {
        var missing = new List<string>();
        if (readerMissing)
        {
            missing.Add($"no {from.Description()} reader");
        }

        if (writerMissing)
        {
            missing.Add($"no {to.Description()} writer");
        }

        return $"{from.CommandName()} → {to.CommandName()} is not available yet ({string.Join(", ", missing)} in this build)";
    }
}
