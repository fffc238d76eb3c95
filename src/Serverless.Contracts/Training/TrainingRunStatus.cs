using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Serverless.Training;

/// <summary>training/{runId}/status.json, rewritten as the run progresses.</summary>
public sealed record TrainingRunStatus
{
    /// <summary>The run id.</summary>
    public required string Id { get; init; }

    /// <summary><see cref="TrainingRunOutcome.Running"/>, <see cref="TrainingRunOutcome.Succeeded"/> or <see cref="TrainingRunOutcome.Failed"/>.</summary>
    public required string Status { get; init; }

    /// <summary>preparing, training, evaluating, exporting, parity, packaging, done.</summary>
    public required string Stage { get; init; }

    /// <summary>Where the training stage stands: epoch, step and loss (phase "full"), or the head-only stage and its counts (phase "head").</summary>
    public FineTuningProgress? Progress { get; init; }

    /// <summary>
    /// Validation metrics while training; test metrics and parity figures once evaluated; then under "evaluation" the
    /// figures of evaluation.json (candidate and production on the test split).
    /// </summary>
    public JsonObject? Metrics { get; init; }

    /// <summary>The hyperparameters the run settled from the data or took from the request, with why, once it has.</summary>
    public IReadOnlyDictionary<string, HyperparameterChoice>? Choices { get; init; }

    /// <summary>Where the candidate package is (relative to the run folder) once it is written.</summary>
    public string? Candidate { get; init; }

    /// <summary>Why the run failed; null otherwise.</summary>
    public string? Error { get; init; }

    /// <summary>The device the run trains on ("cpu" or "cuda").</summary>
    public string? Device { get; init; }

    /// <summary>When this status was written.</summary>
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>True once the run has ended (Succeeded or Failed): the trainer never runs it again.</summary>
    [JsonIgnore]
    public bool HasEnded => Status is TrainingRunOutcome.Succeeded or TrainingRunOutcome.Failed;

    /// <summary>Reads a status.json; null when the text is not one (a half-written or foreign file says nothing about the run).</summary>
    public static TrainingRunStatus? TryParse(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<TrainingRunStatus>(json, TrainingJob.JsonOptions);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
