using System.Text.Json.Nodes;

namespace Serverless.Packages;

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
