namespace MgeConvert.Fuzz;

public sealed record FuzzOptions
{
    public long Count { get; init; } = 100_000;

    public TimeSpan? Duration { get; init; }

    public int Seed { get; init; } = 1;

    /// <summary>Where crashing inputs are saved (findings/) and the current input is kept while it is read.</summary>
    public required string OutputDirectory { get; init; }

    public TimeSpan HangTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>After this many hung inputs a target is abandoned (each hang leaves a spinning thread behind).</summary>
    public int MaxHangs { get; init; } = 3;

    /// <summary>
    /// The allocation bound per input: <see cref="AllocationFactor"/> × file size + <see cref="AllocationSlack"/> bytes,
    /// counted on the reading thread (GC.GetAllocatedBytesForCurrentThread).
    /// </summary>
    public long AllocationFactor { get; init; } = 64;

    public long AllocationSlack { get; init; } = 64L << 20;

    public long AllocationBound(long fileSize) => (AllocationFactor * fileSize) + AllocationSlack;
}
