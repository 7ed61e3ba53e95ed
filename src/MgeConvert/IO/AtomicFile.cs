using System.Collections.Concurrent;
using System.Globalization;

namespace MgeConvert.IO;

/// <summary>Writes a file through a temporary sibling and a rename, so no partial output is ever left behind.</summary>
public static class AtomicFile
{
    private static readonly ConcurrentDictionary<string, byte> Pending = new(StringComparer.Ordinal);

    public static void Write(string path, Action<Stream> write)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full) ?? ".";
        Directory.CreateDirectory(dir);
        RemoveStaleTemps(dir, Path.GetFileName(full));
        var temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        Pending[temp] = 0;
        try
        {
            // Readable, so a writer can check what it wrote (memory-map it) before the rename.
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16))
            {
                write(stream);
            }

            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            Pending.TryRemove(temp, out _);
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        var copy = bytes.ToArray();
        Write(path, s => s.Write(copy));
    }

    /// <summary>Writes several files all-or-nothing: on failure none of them is left in place.</summary>
    public static void WriteAll(IReadOnlyList<(string Path, Action<Stream> Write)> files)
    {
        var done = new List<string>();
        try
        {
            foreach (var (path, write) in files)
            {
                Write(path, write);
                done.Add(path);
            }
        }
        catch
        {
            foreach (var path in done)
            {
                File.Delete(path);
            }

            throw;
        }
    }

    /// <summary>
    /// Deletes the temporary files of writes still in progress; for a process about to terminate (Ctrl+C, SIGTERM),
    /// so an interrupted conversion leaves nothing behind. The interrupted writes then fail instead of renaming.
    /// With <paramref name="directory"/>, only the writes into that directory (other writes of the process go on).
    /// </summary>
    public static void AbandonPending(string? directory = null)
    {
        var inDirectory = directory is null ? null : Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        foreach (var temp in Pending.Keys.Where(t => inDirectory is null || Path.GetDirectoryName(t) == inDirectory))
        {
            try
            {
                File.Delete(temp);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>Temporaries of the same target left by a process that no longer runs (killed with SIGKILL, power loss).</summary>
    private static void RemoveStaleTemps(string dir, string name)
    {
        foreach (var temp in Directory.EnumerateFiles(dir, $".{name}.*.tmp"))
        {
            var parts = Path.GetFileName(temp)[(name.Length + 2)..].Split('.');
            if (parts.Length == 3 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && !IsRunning(pid))
            {
                File.Delete(temp);
            }
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
