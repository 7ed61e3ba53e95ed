using System.Runtime.InteropServices;
using MgeConvert.Cli;
using MgeConvert.IO;

// An interrupted conversion (Ctrl+C, kill, closed terminal) must leave no partial output: drop in-flight temporaries,
// then let the signal terminate the process as usual.
using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, _ => AtomicFile.AbandonPending());
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ => AtomicFile.AbandonPending());
using var hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, _ => AtomicFile.AbandonPending());
return CliApp.Run(args, CliEnvironment.FromConsole());
