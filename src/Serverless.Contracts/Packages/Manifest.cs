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

/// <summary>One variant of a version as the manifest records it.</summary>
public sealed record ManifestVariant
{
    /// <summary>The variant's model file (listed in <see cref="Manifest.Files"/>), or null when it was dropped.</summary>
    public string? File { get; init; }

    /// <summary>The gate it was held to, in words (e.g. "validation accuracy and macro_f1 within 0.5 points of fp32").</summary>
    public required string Gate { get; init; }

    /// <summary>Why the variant was dropped; null when it was kept.</summary>
    public string? Dropped { get; init; }

    /// <summary>How many texts the gate scored.</summary>
    public int Texts { get; init; }

    /// <summary>The variant's accuracy on the validation split (null when the gate had no labels).</summary>
    public double? Accuracy { get; init; }

    /// <summary>The variant's macro-F1 on the validation split (null when the gate had no labels).</summary>
    public double? MacroF1 { get; init; }

    /// <summary>The fp32 graph's accuracy on the same texts.</summary>
    public double? Fp32Accuracy { get; init; }

    /// <summary>The fp32 graph's macro-F1 on the same texts.</summary>
    public double? Fp32MacroF1 { get; init; }

    /// <summary>The share of texts whose arg-max label the variant and fp32 agree on.</summary>
    public double Agreement { get; init; }
}

/// <summary>A variant's unpadded execution as the manifest records it.</summary>
public sealed record ManifestPackedGraph
{
    /// <summary>The packed graph's file (listed in <see cref="Manifest.Files"/>), or null when the variant serves padded.</summary>
    public string? File { get; init; }

    /// <summary>The parity it was held to against the padded graph, in words.</summary>
    public required string Parity { get; init; }

    /// <summary>Why the variant serves padded (no packed graph could be written, or it failed parity); null when it has one.</summary>
    public string? Unavailable { get; init; }

    /// <summary>How many texts parity was checked on.</summary>
    public int Texts { get; init; }

    /// <summary>The largest |logit difference| against the padded graph over those texts.</summary>
    public double? MaxLogitDifference { get; init; }
}

/// <summary>Hash and size of one package file.</summary>
public sealed record ManifestFile(string Sha256, long Size);

/// <summary>Where a model came from.</summary>
public sealed record Lineage
{
    /// <summary>The base model, e.g. "minilm@1", or a description of an external source.</summary>
    public string? Base { get; init; }

    public string? Dataset { get; init; }
    public string? DatasetSha256 { get; init; }
    public string? TrainingMode { get; init; }
    public JsonObject? Hyperparameters { get; init; }

    /// <summary>Hyperparameters a training run chose from the data or took from the request, with why.</summary>
    public IReadOnlyDictionary<string, Serverless.Training.HyperparameterChoice>? Choices { get; init; }

    public string? RunId { get; init; }
}
