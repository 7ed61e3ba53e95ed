using MgeConvert.Cli;

return CliApp.Run(args, CliEnvironment.FromConsole());
