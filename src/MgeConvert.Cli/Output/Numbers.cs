using System.Globalization;

namespace MgeConvert.Cli.Output;

internal static class Numbers
{
    /// <summary>A compact invariant rendering (1e-05, 0.00123, 3).</summary>
    public static string Short(double value) => value.ToString("G3", CultureInfo.InvariantCulture).Replace('E', 'e');

    public static string Count(int value) => value.ToString(CultureInfo.InvariantCulture);
}
