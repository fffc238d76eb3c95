namespace Serverless.Registry;

/// <summary>A model in the registry: its published versions (ascending) and aliases.</summary>
public sealed record ModelSummary(string Name, IReadOnlyList<string> Versions, IReadOnlyDictionary<string, string> Aliases);
