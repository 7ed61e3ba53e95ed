namespace MgeConvert.Cli;

/// <summary>Where the CLI writes and which converter it drives; tests substitute all of it.</summary>
public sealed class CliEnvironment(
    Converter converter, TextWriter output, TextWriter error, bool outputIsTerminal, Func<string, string?>? environment = null)
{
    private readonly Func<string, string?> _environment = environment ?? Environment.GetEnvironmentVariable;

    public Converter Converter { get; } = converter;

    public TextWriter Out { get; } = output;

    public TextWriter Error { get; } = error;

    /// <summary>Rich output (tables, progress) only when stdout is an interactive terminal.</summary>
    public bool OutputIsTerminal { get; } = outputIsTerminal;

    public string? GetEnvironmentVariable(string name) => _environment(name);

    public static CliEnvironment FromConsole() =>
        new(new Converter(), Console.Out, Console.Error, !Console.IsOutputRedirected);
}
