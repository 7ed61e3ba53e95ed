namespace MgeConvert.Cli;

public static class ExitCodes
{
    public const int Success = 0;

    /// <summary>The model could not be converted or read (bad file, unsupported op, I/O error, missing backend).</summary>
    public const int Failure = 1;

    /// <summary>The command line itself is wrong (unknown flag, missing required flag, bad value).</summary>
    public const int Usage = 2;
}
