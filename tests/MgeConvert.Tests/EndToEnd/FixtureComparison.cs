using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using MgeConvert.Tests.Support;

namespace MgeConvert.Tests.EndToEnd;

/// <summary>Compares a converted model's outputs with MegEngine's stored outputs, with a tolerance per output.</summary>
internal static class FixtureComparison
{
    /// <summary>
    /// Problems found (empty when everything matches). Float outputs: |Δ| ≤ 1e-5 + 1e-5·|ref| (or the case's
    /// tolerance where tighter). Quantized cases: a float output may differ by one quantization step of the value
    /// it was dequantized from, raw quantized outputs by one step of their integers. Other integers: exact.
    /// </summary>
    public static List<string> Compare(FixtureCase fixture, Graph source, IReadOnlyList<Tensor> actual)
    {
        var problems = new List<string>();
        var expected = fixture.Outputs;
        if (expected.Count != actual.Count)
        {
            return [$"{actual.Count} outputs, MegEngine has {expected.Count}"];
        }

        for (var i = 0; i < expected.Count; i++)
        {
            var (name, reference) = expected[i];
            var (atol, rtol) = Tolerance(fixture, source.Outputs[i], reference);
            var got = actual[i];
            if (got.ElementCount != reference.ElementCount)
            {
                problems.Add($"output {name}: {got.Shape}, MegEngine {reference.Shape}");
                continue;
            }

            var r = reference.ToDoubles();
            var a = got.ToDoubles();
            for (var k = 0; k < r.Length; k++)
            {
                if (!(Math.Abs(a[k] - r[k]) <= atol + (rtol * Math.Abs(r[k]))))
                {
                    problems.Add($"output {name}[{k}] = {a[k]:R}, MegEngine {r[k]:R} (atol {atol:G4}, rtol {rtol:G4}; max |Δ| {NumericAssert.MaxAbsDiff(reference, a):G4})");
                    break;
                }
            }
        }

        return problems;
    }

    private static (double Atol, double Rtol) Tolerance(FixtureCase fixture, Value output, Tensor reference)
    {
        if (output.DType.IsQuantized)
        {
            return (1, 0);
        }

        if (!reference.DType.IsFloat)
        {
            return (0, 0);
        }

        if (fixture.Precision == "float32")
        {
            return (Math.Min(fixture.Atol, 1e-5), Math.Min(fixture.Rtol, 1e-5));
        }

        var step = output.Producer is { Op: Cast } cast && cast.Input(0).DType.Quant is { IsPerTensor: true } q ? q.Scale : fixture.Atol / 2;
        return (step * 1.0001, 0);
    }
}
