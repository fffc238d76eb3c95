using System.Text.Json.Nodes;

namespace Serverless.Packages;

/// <summary>manifest.json: what a version is made of and how it came to be. Written last.</summary>
public sealed record Manifest
{
    public int FormatVersion { get; init; } = 1;

    /// <summary>Every other file of the package, by relative path (forward slashes).</summary>
    public required IReadOnlyDictionary<string, ManifestFile> Files { get; init; }

    /// <summary>Evaluation metrics (accuracy, macro_f1, per_class, confusion_matrix, …).</summary>
    public JsonObject? Metrics { get; init; }

    public Lineage? Lineage { get; init; }

    /// <summary>
    /// The variants besides fp32 that were made for this version, by name (<see cref="ModelVariants.Int8"/>): the file of
    /// each one kept, or why it was dropped, and the gate it was held to.
    /// </summary>
    public IReadOnlyDictionary<string, ManifestVariant>? Variants { get; init; }

    /// <summary>
    /// The unpadded execution of each variant, by variant name (fp32, int8): its file and parity with the padded graph, or
    /// why the variant serves padded.
    /// </summary>
    public IReadOnlyDictionary<string, ManifestPackedGraph>? Packed { get; init; }

    public DateTimeOffset CreatedAt { get; init; }
}
