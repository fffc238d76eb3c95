using Serverless.Training;

namespace Serverless.Functions.Training;

/// <summary>The <c>trainer-ended</c> event, raised from the trainer's training-events message.</summary>
/// <param name="Status"><see cref="TrainingRunOutcome.Succeeded"/> or <see cref="TrainingRunOutcome.Failed"/>.</param>
/// <param name="Error">Why the trainer failed; null on success.</param>
public sealed record TrainerEnded(string Status, string? Error);
