using System.Diagnostics;

namespace MgeConvert.Tests.Cli;

/// <summary>--init and "completion bash|zsh|fish", driven through the real binary.</summary>
public sealed class CliCompletionTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void InitWritesTheBashScriptIntoTheUsersCompletionDirectory()
    {
        var home = _dir.File("home");
        Directory.CreateDirectory(home);
        var run = CliRun.ProcessWithEnvironment(_dir.Path, new Dictionary<string, string> { ["HOME"] = home, ["XDG_DATA_HOME"] = "" }, "--init");

        Assert.True(run.ExitCode == 0, run.Error);
        var script = Path.Combine(home, ".local", "share", "bash-completion", "completions", "mgeconvert");
        Assert.True(File.Exists(script), run.Out);
        Assert.Contains("complete -F _mgeconvert mgeconvert", File.ReadAllText(script), StringComparison.Ordinal);
        Assert.Contains(script, run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void InitInFrontOfASubcommandInstallsAndThenRunsIt()
    {
        var data = _dir.File("data");
        var run = CliRun.ProcessWithEnvironment(_dir.Path, new Dictionary<string, string> { ["XDG_DATA_HOME"] = data }, "--init", "completion", "fish");

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.True(File.Exists(Path.Combine(data, "bash-completion", "completions", "mgeconvert")));
        Assert.Contains("complete -c mgeconvert", run.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("mge_to_", "mge_to_onnx mge_to_caffe mge_to_tflite mge_to_torchscript")]
    [InlineData("onnx", "onnx_to_mge onnx_to_tracedmodule onnx-to-mge onnx-to-tracedmodule")]
    public void BashScriptCompletesSubcommands(string typed, string expected)
    {
        var words = Complete("mgeconvert " + typed);
        Assert.Equal(expected.Split(' ').Order(StringComparer.Ordinal), words.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void BashScriptCompletesTheFlagsAndValuesOfASubcommand()
    {
        Assert.Equal(["--opset"], Complete("mgeconvert mge_to_onnx -i m.mge --ops"));
        Assert.Equal(["--use_empty_blobs", "--use-empty-blobs"], Complete("mgeconvert tracedmodule_to_caffe --use"));
        Assert.Equal(["20", "21"], Complete("mgeconvert mge_to_onnx --opset 2"));
        Assert.Equal(["caffe", "tflite"], Complete("mgeconvert check m.mge --to ").Where(w => w is "caffe" or "tflite").Order(StringComparer.Ordinal));
        Assert.Equal(["bash"], Complete("mgeconvert completion b"));
    }

    [Theory]
    [InlineData("bash", "complete -F _mgeconvert mgeconvert")]
    [InlineData("zsh", "#compdef mgeconvert")]
    [InlineData("fish", "complete -c mgeconvert -n __fish_use_subcommand -a tracedmodule_to_tflite")]
    public void CompletionPrintsAScriptForEachShell(string shell, string expected)
    {
        var run = CliRun.Process(_dir.Path, "completion", shell);

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains(expected, run.Out, StringComparison.Ordinal);
        foreach (var flag in new[] { "remove_relu", "quantize_file_path", "verify", "report" })
        {
            Assert.Contains(flag, run.Out, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void ZshScriptIsValidZsh()
    {
        var script = _dir.File("_mgeconvert");
        File.WriteAllText(script, CliRun.Process(_dir.Path, "completion", "zsh").Out);

        var (code, output, error) = Shell("zsh", "-n", script);

        Assert.True(code == 0, error + output);
    }

    [Fact]
    public void FishScriptCompletesSubcommandsAndFlags()
    {
        var script = _dir.File("mgeconvert.fish");
        File.WriteAllText(script, CliRun.Process(_dir.Path, "completion", "fish").Out);

        var (code, output, error) = Shell("fish", "-c", $"source '{script}'; complete -C 'mgeconvert tracedmodule_to_tf'; complete -C 'mgeconvert mge_to_onnx --ops'");

        Assert.True(code == 0, error);
        Assert.Equal(
            ["tracedmodule_to_tflite\tConvert a MegEngine TracedModule (.tm) to TFLite", "--opset\tONNX opset version (7-21)"],
            output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void UnknownShellIsAUsageError()
    {
        var run = CliRun.Process(_dir.Path, "completion", "powershell");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("powershell", run.Error, StringComparison.Ordinal);
    }

    private static (int Code, string Output, string Error) Shell(string shell, params string[] args)
    {
        var start = new ProcessStartInfo(shell) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output, error);
    }

    /// <summary>Loads the generated bash script into a real bash and asks it to complete <paramref name="line"/>.</summary>
    private string[] Complete(string line)
    {
        var script = _dir.File("completion.bash");
        var run = CliRun.Process(_dir.Path, "completion", "bash");
        Assert.True(run.ExitCode == 0, run.Error);
        File.WriteAllText(script, run.Out);
        var words = line.EndsWith(' ') ? [.. line.Split(' ', StringSplitOptions.RemoveEmptyEntries), ""] : line.Split(' ');
        var driver = $"source '{script}'; COMP_WORDS=({string.Join(' ', words.Select(w => "'" + w + "'"))}); " +
            $"COMP_CWORD={words.Length - 1}; _mgeconvert; printf '%s\\n' \"${{COMPREPLY[@]}}\"";
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(driver);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, error);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
