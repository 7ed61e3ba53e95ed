using MgeConvert.Ir;

namespace MgeConvert.Tests.Support;

/// <summary>Elementwise comparison |actual - expected| ≤ atol + rtol·|expected| with a useful failure message.</summary>
public static class NumericAssert
{
    public static void Close(Tensor expected, double[] actual, double atol, double rtol, string what)
    {
        var reference = expected.ToDoubles();
        Assert.True(reference.Length == actual.Length, $"{what}: {actual.Length} elements, expected {reference.Length}");
        double worst = 0;
        var worstIndex = -1;
        for (var i = 0; i < reference.Length; i++)
        {
            var excess = Math.Abs(actual[i] - reference[i]) - (atol + (rtol * Math.Abs(reference[i])));
            if (double.IsNaN(actual[i]) != double.IsNaN(reference[i]) || excess > worst)
            {
                worst = double.IsNaN(excess) ? double.PositiveInfinity : excess;
                worstIndex = i;
            }
        }

        Assert.True(worstIndex < 0,
            worstIndex < 0 ? "" : $"{what}: element {worstIndex} is {actual[worstIndex]:R}, expected {reference[worstIndex]:R} (atol {atol}, rtol {rtol})");
    }

    /// <summary>Largest |actual - expected| (for reporting).</summary>
    public static double MaxAbsDiff(Tensor expected, double[] actual) =>
        expected.ToDoubles().Zip(actual, (e, a) => Math.Abs(e - a)).DefaultIfEmpty(0).Max();
}
