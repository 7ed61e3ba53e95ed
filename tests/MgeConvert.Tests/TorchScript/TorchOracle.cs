using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using MgeConvert.Formats.Npy;
using MgeConvert.Ir;

namespace MgeConvert.Tests.TorchScript;

/// <summary>One archive to run: its inputs in graph-input order.</summary>
public sealed record TorchRun(string ModelPath, IReadOnlyList<Tensor> Inputs);

/// <summary>Outputs of one run, or torch's error.</summary>
public sealed record TorchResult(IReadOnlyList<Tensor> Outputs, string? Error);

/// <summary>
/// Debian python3-torch (torch 1.13) in a /usr/bin/python3 subprocess running tests/oracles/torch/run.py:
/// torch.jit.load each archive, feed .npy inputs, write .npy outputs. Many archives share one process (≈1 s start).
/// </summary>
public static class TorchOracle
{
    public const string Python = "/usr/bin/python3";

    public static string Script
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "MgeConvert.slnx")))
                {
                    return Path.Combine(dir.FullName, "tests", "oracles", "torch", "run.py");
                }
            }

            throw new InvalidOperationException("cannot locate the repository root (MgeConvert.slnx)");
        }
    }

    public static IReadOnlyList<TorchResult> Run(IReadOnlyList<TorchRun> runs, string workDirectory)
    {
        var request = new JsonArray();
        for (var i = 0; i < runs.Count; i++)
        {
            var dir = Path.Combine(workDirectory, $"torch_run_{i}");
            Directory.CreateDirectory(dir);
            var inputs = new JsonArray();
            for (var k = 0; k < runs[i].Inputs.Count; k++)
            {
                var path = Path.Combine(dir, $"in_{k}.npy");
                NpyFile.Write(path, runs[i].Inputs[k]);
                inputs.Add(path);
            }

            request.Add(new JsonObject { ["model"] = runs[i].ModelPath, ["inputs"] = inputs, ["outdir"] = dir });
        }

        var start = new ProcessStartInfo(Python, [Script])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {Python}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"{Python} is missing: apt-get install -y python3-torch ({e.Message})", e);
        }

        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            process.StandardInput.Write(new JsonObject { ["runs"] = request }.ToJsonString());
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"torch oracle failed ({process.ExitCode}; needs apt-get install -y python3-torch): {stderr.Result}");
            }

            using var doc = JsonDocument.Parse(stdout);
            return [.. doc.RootElement.GetProperty("results").EnumerateArray().Select(r =>
                r.TryGetProperty("error", out var e)
                    ? new TorchResult([], e.GetString())
                    : new TorchResult([.. r.GetProperty("outputs").EnumerateArray().Select(p => NpyFile.Read(p.GetString()!))], null))];
        }
    }
}
