using System.Globalization;
using MgeConvert.Fuzz;

var targets = new List<FuzzTarget>();
var options = new FuzzOptions { OutputDirectory = Path.Combine(Path.GetTempPath(), "mgeconvert-fuzz") };
for (var i = 0; i < args.Length; i++)
{
    var value = i + 1 < args.Length ? args[i + 1] : null;
    switch (args[i])
    {
        case "--target" when value is not null:
            targets.AddRange(value == "all" ? FuzzTargets.All : value.Split(',').Select(FuzzTargets.Find));
            i++;
            break;
        case "--count" when value is not null:
            options = options with { Count = long.Parse(value, CultureInfo.InvariantCulture) };
            i++;
            break;
        case "--seconds" when value is not null:
            options = options with { Duration = TimeSpan.FromSeconds(double.Parse(value, CultureInfo.InvariantCulture)), Count = args.Contains("--count") ? options.Count : long.MaxValue };
            i++;
            break;
        case "--seed" when value is not null:
            options = options with { Seed = int.Parse(value, CultureInfo.InvariantCulture) };
            i++;
            break;
        case "--out" when value is not null:
            options = options with { OutputDirectory = value };
            i++;
            break;
        case "--repro" when value is not null:
            return Repro.Run(value);
        case "--list":
            foreach (var t in FuzzTargets.All)
            {
                Console.WriteLine($"{t.Name,-10} {t.Description}");
            }

            return 0;
        default:
            Console.Error.WriteLine("usage: MgeConvert.Fuzz --target <name,...|all> [--count N] [--seconds S] [--seed N] [--out DIR] | --repro FILE | --list");
            return 2;
    }
}

if (targets.Count == 0)
{
    Console.Error.WriteLine("no --target given (--list shows them)");
    return 2;
}

var findings = 0;
foreach (var target in targets)
{
    Console.WriteLine($"{target.Name}: seed {options.Seed}, up to {(options.Count == long.MaxValue ? "∞" : options.Count)} inputs" +
        (options.Duration is { } d ? $" or {d.TotalSeconds:F0} s" : ""));
    var report = FuzzRunner.Run(target, options, Console.WriteLine);
    Console.WriteLine(report);
    foreach (var group in report.Findings.GroupBy(f => f.Signature))
    {
        Console.WriteLine($"  {group.Count()} × {group.Key}  e.g. {group.First().SavedAs}");
    }

    findings += report.Findings.Count;
}

return findings == 0 ? 0 : 1;
