using Spectre.Console;

namespace MgeConvert.Cli.Output;

/// <summary>A spinner with the current stage, shown only once work has taken longer than a moment.</summary>
internal static class Progress
{
    private static readonly TimeSpan Moment = TimeSpan.FromMilliseconds(300);
    private static readonly TimeSpan Refresh = TimeSpan.FromMilliseconds(100);

    public static T WhenSlow<T>(CliEnvironment env, Func<string> stage, Func<T> work)
    {
        var task = Task.Run(work);
        var done = ((IAsyncResult)task).AsyncWaitHandle;
        if (!done.WaitOne(Moment))
        {
            Consoles.For(env).Status().Start(stage(), context =>
            {
                while (!done.WaitOne(Refresh))
                {
                    context.Status(stage());
                }
            });
        }

        // Rethrows the work's own exception (not an AggregateException).
        return task.GetAwaiter().GetResult();
    }
}
