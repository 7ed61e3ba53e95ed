using MgeConvert.Cli.Verification;

namespace MgeConvert.Cli.Output;

/// <summary>What a conversion command does besides converting: --verbose, --verify, --report.</summary>
internal sealed record RunExtras(bool Verbose, VerifySettings? Verify, string? ReportPath);
