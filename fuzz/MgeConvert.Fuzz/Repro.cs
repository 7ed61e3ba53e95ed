using System.Diagnostics;

namespace MgeConvert.Fuzz;

/// <summary>Reads one saved input both ways the fuzzer does and prints the outcome, allocation and time.</summary>
public static class Repro
{
    public static int Run(string path)
    {
        var failed = false;
        foreach (var inspect in new[] { false, true })
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            var clock = Stopwatch.StartNew();
            string outcome;
            try
            {
                var converter = new Converter();
                _ = inspect ? (object)converter.Inspect(path) : converter.Read(path, null, new ConversionOptions());
                outcome = "read";
            }
            catch (ModelFormatException e)
            {
                outcome = "ModelFormatException: " + e.Message;
            }
            catch (Exception e)
            {
                outcome = e.ToString();
                failed = true;
            }

            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Console.WriteLine($"{(inspect ? "Inspect" : "Read")}: {clock.Elapsed.TotalMilliseconds:F0} ms, {allocated} bytes allocated for {new FileInfo(path).Length} bytes: {outcome}");
        }

        return failed ? 1 : 0;
    }
}
