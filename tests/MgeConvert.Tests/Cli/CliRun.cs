using System.Diagnostics;
using MgeConvert.Cli;

namespace MgeConvert.Tests.Cli;

/// <summary>Outcome of one mgeconvert invocation.</summary>
internal sealed record CliRun(int ExitCode, string Out, string Error)
{
    public string[] ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>
    /// Runs the real CLI in a child process, as a user would: the binary named by MGECONVERT_BIN (e.g. the native
    /// AOT build) when set, else the MgeConvert.Cli.dll built next to the tests.
    /// </summary>
    public static CliRun Process(string workingDirectory, params string[] args) =>
        ProcessWithEnvironment(workingDirectory, new Dictionary<string, string>(), args);

    /// <summary>As <see cref="Process"/> with extra environment variables for the child.</summary>
    public static CliRun ProcessWithEnvironment(string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = StartInfo();
        start.WorkingDirectory = workingDirectory;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(120_000), "mgeconvert did not finish within 120 s");
        return new CliRun(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>The binary under test: MGECONVERT_BIN when set, else the framework-dependent build.</summary>
    public static string Binary =>
        Environment.GetEnvironmentVariable("MGECONVERT_BIN") is { Length: > 0 } bin
            ? Path.GetFullPath(bin)
            : Path.Combine(AppContext.BaseDirectory, "MgeConvert.Cli.dll");

    private static ProcessStartInfo StartInfo()
    {
        var binary = Binary;
        Assert.True(File.Exists(binary), $"CLI binary not found: {binary}");
        if (!binary.EndsWith(".dll", StringComparison.Ordinal))
        {
            return new ProcessStartInfo(binary);
        }

        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h && File.Exists(h) ? h : "dotnet";
        var start = new ProcessStartInfo(host);
        start.ArgumentList.Add(binary);
        return start;
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
