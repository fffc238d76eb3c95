using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Serverless.Training;

/// <summary>Outcome values the trainer writes to status.json and training events.</summary>
public static class TrainingRunOutcome
{
    /// <summary>The trainer is working on the run.</summary>
    public const string Running = "Running";

    /// <summary>The candidate package is ready under candidate/.</summary>
    public const string Succeeded = "Succeeded";

    /// <summary>The run failed; <see cref="TrainingRunStatus.Error"/> says why.</summary>
    public const string Failed = "Failed";
}

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

/// <summary>The training-events queue message the trainer posts when a run ends, success or failure.</summary>
/// <param name="RunId">The run id.</param>
/// <param name="Status"><see cref="TrainingRunOutcome.Succeeded"/> or <see cref="TrainingRunOutcome.Failed"/>.</param>
/// <param name="Error">Why the run failed; null on success.</param>
public sealed record TrainingEvent(string RunId, string Status, string? Error);

/// <summary>Parity of the written ONNX model (run by the serving engine) with the trained model, either training mode.</summary>
/// <param name="Texts">Texts compared.</param>
/// <param name="MaxAbsoluteDifference">Largest absolute logit difference over every text and label.</param>
/// <param name="ArgMaxMismatches">Texts whose predicted label differs.</param>
/// <param name="Tolerance">The largest difference allowed.</param>
public sealed record ParityReport(int Texts, double MaxAbsoluteDifference, int ArgMaxMismatches, double Tolerance)
{
    /// <summary>True when every difference is within <see cref="Tolerance"/> and every argmax agrees.</summary>
    public bool Passed => MaxAbsoluteDifference <= Tolerance && ArgMaxMismatches == 0;

    /// <summary>The figures as recorded in status.json and the manifest.</summary>
    public JsonObject ToJson() => new()
    {
        ["texts"] = Texts,
        ["max_abs_diff"] = MaxAbsoluteDifference,
        ["argmax_mismatches"] = ArgMaxMismatches,
        ["tolerance"] = Tolerance,
        ["passed"] = Passed,
    };

    /// <summary>Share of texts with the same predicted label.</summary>
    public double Agreement => Texts == 0 ? 1 : (double)(Texts - ArgMaxMismatches) / Texts;

    /// <summary>One line for the card and the console.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"Serving parity: {Texts - ArgMaxMismatches}/{Texts} predictions agree ({Agreement:P2}), max |Δlogit| {MaxAbsoluteDifference:0.###e+0} (allowed {Tolerance:0e+0}).");
}
