using System.Diagnostics;
using MgeConvert.Cli;

namespace MgeConvert.Tests.Cli;

/// <summary>Outcome of one mgeconvert invocation.</summary>
internal sealed record CliRun(int ExitCode, string Out, string Error)
{
    public string[] ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Runs the built MgeConvert.Cli.dll in a child process, as a user would.</summary>
    public static CliRun Process(string workingDirectory, params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "MgeConvert.Cli.dll");
        Assert.True(File.Exists(dll), $"CLI not built next to the tests: {dll}");
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h && File.Exists(h) ? h : "dotnet";
        var start = new ProcessStartInfo(host)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(60_000), "mgeconvert did not finish within 60 s");
        return new CliRun(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Runs the same entry point in-process against <paramref name="converter"/>, stdout redirected.</summary>
    public static CliRun InProcess(Converter converter, params string[] args) => InProcess(converter, terminal: false, args);

    /// <summary>As <see cref="InProcess(Converter, string[])"/>; <paramref name="terminal"/> selects the rich (Spectre) output.</summary>
    public static CliRun InProcess(Converter converter, bool terminal, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = CliApp.Run(args, new CliEnvironment(converter, output, error, terminal));
        return new CliRun(code, output.ToString(), error.ToString());
    }

    /// <summary>The failure contract: exit 1, one "error:" line, no stack trace.</summary>
    public void AssertOneLineError(string expectedFragment)
    {
        Assert.True(ExitCode == 1, $"exit code {ExitCode}, stderr: {Error}");
        var line = Assert.Single(ErrorLines);
        Assert.StartsWith("error: ", line, StringComparison.Ordinal);
        Assert.Contains(expectedFragment, line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", Error, StringComparison.Ordinal);
    }
}
