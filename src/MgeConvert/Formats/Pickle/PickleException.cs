namespace MgeConvert.Formats.Pickle;

/// <summary>A malformed value found while executing a pickle; the reader reports it with the byte offset.</summary>
public sealed class PickleException(string message) : Exception(message);
