using System.Diagnostics;
using System.Globalization;
using MgeConvert.Formats;

namespace MgeConvert.Bench;

/// <summary>One conversion (or none) in this fresh process; prints its CPU ms and peak RSS bytes.</summary>
public static class ConversionProbe
{
    public static int Run(string from, string to, string input, string output)
    {
        var source = Enum.Parse<ModelFormat>(from, ignoreCase: true);
        var target = Enum.Parse<ModelFormat>(to, ignoreCase: true);
        var options = target == ModelFormat.Caffe
            ? new ConversionOptions { Prototxt = output + ".prototxt", CaffeModel = output + ".caffemodel" }
            : new ConversionOptions { Output = output };
        new Converter().Convert(source, target, input, options);
        return Report();
    }

    /// <summary>The baseline: a process that starts, loads nothing and reports.</summary>
    public static int Report()
    {
        var cpu = Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{cpu:F1} {PeakRss()}"));
        return 0;
    }

    /// <summary>VmHWM: the process's peak resident set size.</summary>
    private static long PeakRss()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }
}
