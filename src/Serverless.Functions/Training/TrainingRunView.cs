using System.Text.Json.Nodes;
using Serverless.Training;

namespace Serverless.Functions.Training;

/// <summary>The status document of <c>GET /api/training/{id}</c> (SPEC "Training runs").</summary>
public sealed record TrainingRunView
{
    /// <summary>The run id.</summary>
    public required string Id { get; init; }

    /// <summary>The model the run publishes to.</summary>
    public required string Model { get; init; }

    /// <summary>One of <see cref="TrainingRunStatuses"/>.</summary>
    public required string Status { get; init; }

    /// <summary>What the run is doing: queued, validating, training (the trainer's own stage while it works), evaluating, publishing, awaiting-approval, done.</summary>
    public required string Stage { get; init; }

    /// <summary>What the data check found: split sizes and labels.</summary>
    public string? Data { get; init; }

    /// <summary>Live training progress from the trainer's status.json.</summary>
    public FineTuningProgress? Progress { get; init; }

    /// <summary>Metrics the trainer reported (validation while training, test once evaluated).</summary>
    public JsonObject? Metrics { get; init; }

    /// <summary>The hyperparameters the trainer chose from the data or took from the request (maxLength, classWeights), with why.</summary>
    public IReadOnlyDictionary<string, HyperparameterChoice>? Choices { get; init; }

    /// <summary>Candidate and production on the test split, and the gate's decision.</summary>
    public TrainingEvaluationView? Evaluation { get; init; }

    /// <summary>The published version and its alias.</summary>
    public TrainingRunResult? Result { get; init; }

    /// <summary>Why the run failed or was rejected.</summary>
    public string? Error { get; init; }

    /// <summary>Where the trainer runs ("cpu" or "cuda"), once it has said.</summary>
    public string? Device { get; init; }

    /// <summary>When the run was accepted.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the run last changed.</summary>
    public DateTimeOffset UpdatedAt { get; init; }
}
