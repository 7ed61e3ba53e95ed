namespace MgeConvert.Fuzz;

/// <summary>
/// A dedicated thread that reads one input at a time, so the caller can give up on a hung read and so the
/// allocation count covers exactly one read.
/// </summary>
internal sealed class ReadWorker : IDisposable
{
    private readonly Thread _thread;
    private readonly SemaphoreSlim _start = new(0);
    private readonly SemaphoreSlim _done = new(0);
    private readonly Converter _converter = new();
    private string _path = "";
    private bool _inspect;
    private volatile bool _stopping;

    public ReadWorker()
    {
        _thread = new Thread(Loop, 16 << 20) { IsBackground = true, Name = "fuzz-reader" };
        _thread.Start();
    }

    public Exception? Error { get; private set; }

    public long Allocated { get; private set; }

    public TimeSpan Took { get; private set; }

    /// <summary>Reads <paramref name="path"/>; false when it did not finish within <paramref name="timeout"/>.</summary>
    public bool TryRead(string path, bool inspect, TimeSpan timeout)
    {
        _path = path;
        _inspect = inspect;
        _start.Release();
        return _done.Wait(timeout);
    }

    public void Dispose()
    {
        _stopping = true;
        _start.Release();
    }

    private void Loop()
    {
        while (true)
        {
            _start.Wait();
            if (_stopping)
            {
                return;
            }

            Error = null;
            var before = GC.GetAllocatedBytesForCurrentThread();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            try
            {
                if (_inspect)
                {
                    _converter.Inspect(_path);
                }
                else
                {
                    _converter.Read(_path, null, new ConversionOptions());
                }
            }
            catch (Exception e)
            {
                Error = e;
            }

            Took = clock.Elapsed;
            Allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            _done.Release();
        }
    }
}
