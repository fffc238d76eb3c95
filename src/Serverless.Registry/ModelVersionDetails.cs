using System.Text.Json.Nodes;
using Serverless.Packages;

namespace Serverless.Registry;

/// <summary>One published version as its manifest describes it (<c>Variants</c>: the int8 variant's gate and figures, if one was made).</summary>
public sealed record ModelVersionDetails(
    string Version,
    DateTimeOffset CreatedAt,
    JsonObject? Metrics,
    Lineage? Lineage,
    IReadOnlyDictionary<string, ManifestFile> Files,
    IReadOnlyDictionary<string, ManifestVariant>? Variants = null);
