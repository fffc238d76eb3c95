using Serverless.Training;

namespace Serverless.Functions.Training;

/// <summary>
/// Where a run stands, as its orchestration knows it: published as the orchestration's custom status while it runs and
/// as its output when it ends. Live training progress comes from the trainer's status.json instead.
/// </summary>
public sealed record TrainingRunSnapshot
{
    /// <summary>The model the run publishes to.</summary>
    public required string Model { get; init; }

    /// <summary>One of <see cref="TrainingRunStatuses"/>.</summary>
    public required string Status { get; init; }

    /// <summary>queued, validating, training, evaluating, publishing, awaiting-approval, done.</summary>
    public required string Stage { get; init; }

    /// <summary>What the data check found ("900 train / 100 validation / 100 test examples, labels …").</summary>
    public string? Data { get; init; }

    /// <summary>The trainer execution being watched, if any.</summary>
    public string? ExecutionId { get; init; }

    /// <summary>How many times the trainer was started (more than once when an execution was lost and resumed).</summary>
    public int TrainerStarts { get; init; }

    /// <summary>Candidate and production on the test split, once the trainer has evaluated them.</summary>
    public TrainingEvaluation? Evaluation { get; init; }

    /// <summary>What the gate decided, in words ("passed: macro_f1 0.90 > 0.86").</summary>
    public string? Gate { get; init; }

    /// <summary>The published version and the alias that points at it.</summary>
    public TrainingRunResult? Result { get; init; }

    /// <summary>Why the run failed or was rejected; null otherwise.</summary>
    public string? Error { get; init; }
}
