using System.Diagnostics;
using System.Security.Cryptography;

namespace MgeConvert.Fuzz;

/// <summary>
/// Mutates a target's seeds deterministically (from <see cref="FuzzOptions.Seed"/>) and reads every mutant through
/// the public API. Acceptable: success or <see cref="ModelFormatException"/>. Anything else, a read over the hang
/// timeout or over the allocation bound is a finding; its input is saved under findings/ for reproduction.
/// </summary>
public static class FuzzRunner
{
    public static FuzzReport Run(FuzzTarget target, FuzzOptions options, Action<string>? log = null)
    {
        var seeds = target.LoadSeeds();
        return Run(target.Name, seeds, options, log);
    }

    public static FuzzReport Run(string name, IReadOnlyList<byte[]> seeds, FuzzOptions options, Action<string>? log = null)
    {
        var report = new FuzzReport(name, seeds.Count);
        var random = new Random(options.Seed);
        var mutator = new Mutator(random, seeds);
        Directory.CreateDirectory(options.OutputDirectory);
        var clock = Stopwatch.StartNew();
        var nextLog = TimeSpan.FromSeconds(30);
        var generation = 0;
        var worker = new ReadWorker();
        var hangs = 0;
        try
        {
            for (long i = 0; i < options.Count && (options.Duration is not { } limit || clock.Elapsed < limit); i++)
            {
                var input = mutator.Mutate(seeds[random.Next(seeds.Count)]);
                var path = Path.Combine(options.OutputDirectory, $"current-{name}-{Environment.ProcessId}-{generation}.bin");
                File.WriteAllBytes(path, input);
                report.Inputs++;
                if (!worker.TryRead(path, inspect: i % 2 == 1, options.HangTimeout))
                {
                    report.Findings.Add(Save(options, name, i, FindingKind.Hang, "hang", $"no result after {options.HangTimeout.TotalSeconds:F0} s", input));
                    generation++;
                    worker = new ReadWorker();
                    if (++hangs >= options.MaxHangs)
                    {
                        log?.Invoke($"{name}: {hangs} hangs, giving up on this target");
                        break;
                    }

                    continue;
                }

                Classify(report, options, name, i, input, worker);
                if (log is not null && clock.Elapsed > nextLog)
                {
                    nextLog += TimeSpan.FromSeconds(30);
                    log($"  {name}: {report.Inputs} inputs, {report.Findings.Count} findings, {clock.Elapsed.TotalSeconds:F0} s");
                }
            }
        }
        finally
        {
            worker.Dispose();
            foreach (var file in Directory.EnumerateFiles(options.OutputDirectory, $"current-{name}-{Environment.ProcessId}-*.bin"))
            {
                File.Delete(file);
            }
        }

        report.Elapsed = clock.Elapsed;
        return report;
    }

    private static void Classify(FuzzReport report, FuzzOptions options, string name, long i, byte[] input, ReadWorker worker)
    {
        var ms = worker.Took.TotalMilliseconds;
        if (ms > report.SlowestMs)
        {
            report.SlowestMs = ms;
            report.SlowestIteration = i;
        }

        var bound = options.AllocationBound(input.Length);
        report.MaxAllocationRatio = Math.Max(report.MaxAllocationRatio, (double)worker.Allocated / bound);
        switch (worker.Error)
        {
            case null:
                report.Accepted++;
                break;
            case ModelFormatException:
                report.Rejected++;
                break;
            case var e:
                report.Findings.Add(Save(options, name, i, FindingKind.Exception, Signature(e), e.ToString(), input));
                return;
        }

        if (worker.Allocated > bound)
        {
            report.Findings.Add(Save(options, name, i, FindingKind.Allocation, "allocation",
                $"allocated {worker.Allocated} bytes for a {input.Length}-byte file (bound {bound})", input));
        }
    }

    /// <summary>Exception type plus the innermost frame of this library: one signature per distinct bug.</summary>
    public static string Signature(Exception e)
    {
        var frame = new StackTrace(e, fNeedFileInfo: false).GetFrames()
            .Select(f => f.GetMethod())
            .FirstOrDefault(m => m?.DeclaringType?.Namespace?.StartsWith("MgeConvert", StringComparison.Ordinal) == true);
        return $"{e.GetType().Name} in {frame?.DeclaringType?.Name}.{frame?.Name}";
    }

    private static FuzzFinding Save(FuzzOptions options, string name, long i, FindingKind kind, string signature, string detail, byte[] input)
    {
        var dir = Path.Combine(options.OutputDirectory, "findings");
        Directory.CreateDirectory(dir);
        var hash = Convert.ToHexString(SHA256.HashData(input))[..12].ToLowerInvariant();
        var file = Path.Combine(dir, $"{name}-{kind.ToString().ToLowerInvariant()}-{hash}.bin");
        File.WriteAllBytes(file, input);
        File.WriteAllText(Path.ChangeExtension(file, ".txt"), $"target {name}, seed {options.Seed}, iteration {i}\n{signature}\n{detail}\n");
        return new FuzzFinding(name, i, kind, signature, detail, file);
    }
}
