namespace MgeConvert.Fuzz;

/// <summary>One reader under test: a name, where its seed files come from, and the format they must be read as.</summary>
public sealed record FuzzTarget(string Name, string Description, Func<IReadOnlyList<byte[]>> LoadSeeds);
