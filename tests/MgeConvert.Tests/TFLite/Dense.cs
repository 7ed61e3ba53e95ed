namespace MgeConvert.Tests.TFLite;

/// <summary>A dense array of real values with its shape (C order), the TFLite tests' input and expected-value form.</summary>
public sealed record Dense(long[] Shape, double[] Data);
