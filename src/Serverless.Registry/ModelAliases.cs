namespace Serverless.Registry;

/// <summary>The aliases of a model (alias → version) and the ETag of aliases.json (null while it does not exist).</summary>
public sealed record ModelAliases(IReadOnlyDictionary<string, string> Aliases, string? ETag);
