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

    public DateTimeOffset CreatedAt { get; init; }
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
