using MgeConvert.Cli.Verification;
using MgeConvert.Formats;
using MgeConvert.Tests.Support;
using Xunit.Abstractions;

namespace MgeConvert.Tests.Cli;

/// <summary>
/// --verify over every visible fixture, through the API the CLI uses: ONNX outputs run in ONNX Runtime, the other
/// targets through the graph their writer received, all against the reference interpreter on the source as read,
/// on the fixture's own inputs and at the case tolerance.
/// </summary>
public sealed class VerifyCorpusTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("mge", ModelFormat.Onnx, 150)]
    [InlineData("tm", ModelFormat.Onnx, 110)]
    [InlineData("mge", ModelFormat.TFLite, 100)]
    [InlineData("tm", ModelFormat.TFLite, 100)]
    [InlineData("mge", ModelFormat.Caffe, 80)]
    [InlineData("tm", ModelFormat.Caffe, 80)]
    [InlineData("mge", ModelFormat.TorchScript, 100)]
    [InlineData("tm", ModelFormat.TorchScript, 100)]
    public void VerifyPassesOnEveryFixtureTheTargetCanExpress(string kind, ModelFormat to, int minimumVerified)
    {
        var from = kind == "mge" ? ModelFormat.Mge : ModelFormat.TracedModule;
        var cases = FixtureCorpus.Cases(c => c.Kind == kind && c.ExpectOk).ToList();
        var converter = new Converter();
        var failures = new List<string>();
        var notExpressible = 0;
        using var temp = new TempDirectory();
        foreach (var fixture in cases)
        {
            var stem = temp.File(fixture.Id.Replace('/', '_'));
            var options = to == ModelFormat.Caffe
                ? new ConversionOptions { Prototxt = stem + ".prototxt", CaffeModel = stem + ".caffemodel", QuantizeFilePath = stem + ".json" }
                : new ConversionOptions { Output = stem + "." + to.CommandName(), QuantizeFilePath = stem + ".json" };
            ConversionResult result;
            try
            {
                result = converter.Convert(from, to, fixture.ModelPath, options);
            }
            catch (UnsupportedOpsException)
            {
                notExpressible++;
                continue;
            }
            catch (ModelFormatException e) when (to != ModelFormat.Onnx)
            {
                output.WriteLine($"{fixture.Id}: not convertible to {to}: {e.Message}");
                notExpressible++;
                continue;
            }

            var inputs = InputFiles(fixture, converter.Read(fixture.ModelPath, from, options).Graph);
            var verification = ModelVerifier.Verify(converter, from, fixture.ModelPath, options, result, new VerifySettings(inputs, fixture.Atol, fixture.Rtol));
            Assert.Equal(to == ModelFormat.Onnx ? "ONNX Runtime" : "reference interpreter", verification.Checker);
            if (!verification.Passed)
            {
                failures.Add($"{fixture.Id}: " + string.Join("; ", verification.Outputs.Where(o => !o.WithinTolerance)
                    .Select(o => $"{o.Name} max abs {o.MaxAbs:G3} max rel {o.MaxRel:G3} {o.Problem}")));
            }
        }

        var verified = cases.Count - notExpressible;
        output.WriteLine($"{kind}_to_{to.CommandName()} --verify: {verified - failures.Count} within tolerance, {failures.Count} over, " +
            $"{notExpressible} not expressible in the target (of {cases.Count})");
        failures.ForEach(output.WriteLine);
        Assert.True(verified >= minimumVerified, $"only {verified} {kind} fixtures could be verified for {to}");
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    /// <summary>"name=input_i.npy" per graph input: the fixture input of the same name, else the one at the same position.</summary>
    private static List<string> InputFiles(FixtureCase fixture, MgeConvert.Ir.Graph source)
    {
        var names = fixture.Inputs.Select(i => i.Name).ToList();
        return [.. source.Inputs.Select((input, position) =>
        {
            var index = names.IndexOf(input.Name) is >= 0 and var named ? named : position;
            return $"{input.Name}={Path.Combine(fixture.Directory, $"input_{index}.npy")}";
        })];
    }
}
