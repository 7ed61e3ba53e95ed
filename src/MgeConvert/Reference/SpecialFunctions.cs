namespace MgeConvert.Reference;

/// <summary>Mathematical functions the base library lacks.</summary>
public static class SpecialFunctions
{
    private static readonly double TwoOverSqrtPi = 2 / Math.Sqrt(Math.PI);

    /// <summary>The error function to about 1e-15 relative accuracy.</summary>
    public static double Erf(double x)
    {
        if (double.IsNaN(x))
        {
            return x;
        }

        var a = Math.Abs(x);
        double result;
        if (a < 2.5)
        {
            // Maclaurin series: erf(x) = 2/√π Σ (-1)^n x^(2n+1) / (n! (2n+1)).
            double term = a, sum = a;
            var square = a * a;
            for (var n = 1; n < 200 && Math.Abs(term) > 1e-17 * Math.Abs(sum); n++)
            {
                term *= -square / n;
                sum += term / ((2 * n) + 1);
            }

            result = TwoOverSqrtPi * sum;
        }
        else if (a < 6.5)
        {
            result = 1 - Erfc(a);
        }
        else
        {
            result = 1;
        }

        return x < 0 ? -result : result;
    }

    /// <summary>
    /// erfc for x ≥ 2.5 by its continued fraction exp(-x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))),
    /// evaluated from the tail.
    /// </summary>
    private static double Erfc(double x)
    {
        double fraction = x;
        for (var k = 80; k >= 1; k--)
        {
            fraction = x + (k / 2.0 / fraction);
        }

        return Math.Exp(-x * x) / Math.Sqrt(Math.PI) / fraction;
    }
}
