using System.IO.Compression;

namespace MgeConvert.Formats.TorchScript;

/// <summary>
/// The TorchScript zip container: every record lives under one top-level folder (libtorch takes the folder of
/// the first entry as the archive name). Entries are stored uncompressed with a fixed timestamp, in the order
/// given, so the same records always produce the same bytes.
/// </summary>
internal static class TorchScriptArchive
{
    private static readonly DateTimeOffset FixedTime = new(1980, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static void Write(Stream output, string archiveName, IEnumerable<(string Name, ReadOnlyMemory<byte> Data)> records)
    {
        if (!output.CanSeek)
        {
            // Without seeking the zip would need data descriptors; build it in memory instead (same bytes).
            using var buffer = new MemoryStream();
            Write(buffer, archiveName, records);
            buffer.Position = 0;
            buffer.CopyTo(output);
            return;
        }

        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, data) in records)
            {
                var entry = zip.CreateEntry(archiveName + "/" + name, CompressionLevel.NoCompression);
                entry.LastWriteTime = FixedTime;
                using var stream = entry.Open();
                stream.Write(data.Span);
            }
        }
    }
}
