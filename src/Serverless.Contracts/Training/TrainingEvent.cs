namespace Serverless.Training;

/// <summary>The training-events queue message the trainer posts when a run ends, success or failure.</summary>
/// <param name="RunId">The run id.</param>
/// <param name="Status"><see cref="TrainingRunOutcome.Succeeded"/> or <see cref="TrainingRunOutcome.Failed"/>.</param>
/// <param name="Error">Why the run failed; null on success.</param>
public sealed record TrainingEvent(string RunId, string Status, string? Error);
