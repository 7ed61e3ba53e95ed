using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MgeConvert.Tests.TFLite;

/// <summary>One model run by LiteRT.js: inputs as (dtype, shape, values).</summary>
public sealed record LiteRtRun(string ModelPath, IReadOnlyList<(string Dtype, int[] Shape, double[] Data)> Inputs);

/// <summary>Outputs of one run, or the runtime's error.</summary>
public sealed record LiteRtResult(IReadOnlyList<(string Dtype, int[] Shape, double[] Data)> Outputs, string? Error);

/// <summary>
/// LiteRT.js (real TFLite runtime compiled to WebAssembly) in a node subprocess, fed JSON on stdin
/// (tests/oracles/litert/run.mjs). Many models go through one process: node start + wasm compile cost ≈0.26 s.
/// </summary>
public static class LiteRtOracle
{
    public static string Directory
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "MgeConvert.slnx")))
                {
                    return Path.Combine(dir.FullName, "tests", "oracles", "litert");
                }
            }

            throw new InvalidOperationException("cannot locate the repository root (MgeConvert.slnx)");
        }
    }

    public static IReadOnlyList<LiteRtResult> Run(IReadOnlyList<LiteRtRun> runs)
    {
        var dir = Directory;
        if (!System.IO.Directory.Exists(Path.Combine(dir, "node_modules", "@litertjs", "core")))
        {
            throw new InvalidOperationException($"LiteRT.js is not installed: run `npm ci` in {dir}");
        }

        var request = new JsonObject
        {
            ["runs"] = new JsonArray([.. runs.Select(r => (JsonNode)new JsonObject
            {
                ["model"] = r.ModelPath,
                ["inputs"] = new JsonArray([.. r.Inputs.Select(i => (JsonNode)new JsonObject
                {
                    ["dtype"] = i.Dtype,
                    ["shape"] = new JsonArray([.. i.Shape.Select(d => (JsonNode)d)]),
                    ["data"] = new JsonArray([.. i.Data.Select(v => (JsonNode)v)]),
                })]),
            })]),
        };
        var (stdout, stderr) = RunNodeScript("run.mjs", request, "LiteRT.js harness");
        using var doc = JsonDocument.Parse(stdout);
        return [.. doc.RootElement.GetProperty("results").EnumerateArray().Select(r =>
            r.TryGetProperty("error", out var e)
                ? new LiteRtResult([], e.GetString() + Environment.NewLine + stderr)
                : new LiteRtResult([.. r.GetProperty("outputs").EnumerateArray().Select(o => (
                    o.GetProperty("dtype").GetString()!,
                    o.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray(),
                    o.GetProperty("data").EnumerateArray().Select(d => d.GetDouble()).ToArray()))], null))];
    }

    /// <summary>Runs a script of the oracle package under node with <paramref name="request"/> as JSON on stdin; returns its stdout and stderr.</summary>
    internal static (string Stdout, string Stderr) RunNodeScript(string script, JsonNode request, string what)
    {
        var start = new ProcessStartInfo("node", [Path.Combine(Directory, script)])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Directory,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start node");
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(request.ToJsonString());
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? (stdout, stderr.Result) : throw new InvalidOperationException($"{what} failed ({process.ExitCode}): {stderr.Result}");
    }
}
