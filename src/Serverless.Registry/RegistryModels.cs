using System.Text.Json.Nodes;
using Serverless.Packages;

namespace Serverless.Registry;

/// <summary>A model in the registry: its published versions (ascending) and aliases.</summary>
public sealed record ModelSummary(string Name, IReadOnlyList<string> Versions, IReadOnlyDictionary<string, string> Aliases);

/// <summary>One model with the manifest of every published version.</summary>
public sealed record ModelDetails(string Name, IReadOnlyList<ModelVersionDetails> Versions, IReadOnlyDictionary<string, string> Aliases);

/// <summary>One published version as its manifest describes it (<c>Variants</c>: the int8 variant's gate and figures, if one was made).</summary>
public sealed record ModelVersionDetails(
    string Version,
    DateTimeOffset CreatedAt,
    JsonObject? Metrics,
    Lineage? Lineage,
    IReadOnlyDictionary<string, ManifestFile> Files,
    IReadOnlyDictionary<string, ManifestVariant>? Variants = null);

/// <summary>The version a publish created.</summary>
public sealed record PublishedVersion(string Name, string Version, Manifest Manifest);

/// <summary>The aliases of a model (alias → version) and the ETag of aliases.json (null while it does not exist).</summary>
public sealed record ModelAliases(IReadOnlyDictionary<string, string> Aliases, string? ETag);
