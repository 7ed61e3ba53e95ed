using MgeConvert.Formats;
using MgeConvert.Formats.Onnx;
using MgeConvert.Ir;
using MgeConvert.Tests.Cli;
using Xunit.Abstractions;

namespace MgeConvert.Tests.Onnx;

/// <summary><c>inspect</c> over every model of Debian's ONNX test corpus, including operators the IR lacks.</summary>
public sealed class OnnxInspectCorpusTests(ITestOutputHelper output)
{
    private const string Unsupported = " (unsupported)";

    [Fact]
    public void InspectSummarizesEveryCorpusModel()
    {
        var converter = new Converter();
        var failures = new List<string>();
        var models = 0;
        var withUnsupported = 0;
        var folded = 0;
        foreach (var dir in OnnxCorpus.Sets.SelectMany(OnnxCorpus.Models))
        {
            var path = Path.Combine(dir, "model.onnx");
            var name = $"{Path.GetFileName(Path.GetDirectoryName(dir))}/{Path.GetFileName(dir)}";
            models++;
            try
            {
                var summary = converter.Inspect(path);
                var problem = Problem(summary, OnnxReader.Parse(path, File.ReadAllBytes(path)));
                if (problem is null && summary.Ops.Count == 0)
                {
                    problem = FoldedProblem(converter, path);
                    folded++;
                }

                if (problem is not null)
                {
                    failures.Add($"{name}: {problem}");
                }

                withUnsupported += summary.Ops.Any(o => o.Op.EndsWith(Unsupported, StringComparison.Ordinal)) ? 1 : 0;
            }
            catch (Exception e) when (e is ModelFormatException or IrException)
            {
                failures.Add($"{name}: {e.Message}");
            }
        }

        output.WriteLine($"inspect: {models} models, {withUnsupported} with unsupported ops");
        output.WriteLine($"  ({folded} models fold entirely into constants while reading, e.g. Shape of a static input: no ops left)");
        foreach (var failure in failures)
        {
            output.WriteLine("  FAILED " + failure);
        }

        Assert.True(models > 1000, $"only {models} corpus models found");
        Assert.True(withUnsupported > 0, "no corpus model has an operator outside the IR; the placeholder path is untested");
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    [Fact]
    public void InspectCommandListsAnUnsupportedOperator()
    {
        var model = Path.Combine(OnnxCorpus.Root, "node", "test_tril", "model.onnx");
        Assert.True(File.Exists(model), $"ONNX test corpus missing: {model}");

        var run = CliRun.Process(Path.GetTempPath(), "inspect", model);

        Assert.True(run.ExitCode == 0, $"exit code {run.ExitCode}, stderr: {run.Error}");
        Assert.Contains("ONNX", run.Out, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^\s+Trilu \(unsupported\)\s+1$", run.Out);
        Assert.Matches(@"(?m)^\s+x\s+i64\s+\[4,5\]$", run.Out);
        Assert.Matches(@"(?m)^\s+y\s+i64\s+\[4,5\]$", run.Out);
    }

    /// <summary>What the summary misses compared with the file: format, every graph input/output, ops.</summary>
    private static string? Problem(ModelSummary summary, Formats.Onnx.Proto.ModelProto proto)
    {
        var initializers = proto.Graph.Initializer.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var inputs = proto.Graph.Input.Select(i => i.Name).Where(n => !initializers.Contains(n)).ToList();
        var outputs = proto.Graph.Output.Select(o => o.Name).ToList();
        if (summary.Format != ModelFormat.Onnx)
        {
            return $"format {summary.Format}";
        }

        if (!summary.Inputs.Select(t => t.Name).SequenceEqual(inputs, StringComparer.Ordinal))
        {
            return $"inputs [{string.Join(", ", summary.Inputs)}], the file declares [{string.Join(", ", inputs)}]";
        }

        if (!summary.Outputs.Select(t => t.Name).SequenceEqual(outputs, StringComparer.Ordinal))
        {
            return $"outputs [{string.Join(", ", summary.Outputs)}], the file declares [{string.Join(", ", outputs)}]";
        }

        return summary.Inputs.Count + summary.Outputs.Count == 0 ? "no inputs or outputs" : null;
    }

    /// <summary>A graph without ops is only right when every output was computed while reading.</summary>
    private static string? FoldedProblem(Converter converter, string path)
    {
        var graph = converter.Read(path, ModelFormat.Onnx, new ConversionOptions { AllowUnsupported = true }).Graph;
        var computed = graph.Outputs.Where(o => o.Constant is null).Select(o => o.Name).ToList();
        return computed.Count == 0 ? null : $"empty op histogram, yet outputs {string.Join(", ", computed)} are not constants";
    }
}
