using Serverless.Training;

namespace Serverless.Functions.Training;

/// <summary>
/// The orchestration's input: the run, its gate, and the timing settings in force when it was accepted (so a replay never
/// depends on configuration read later).
/// </summary>
/// <param name="RunId">The run id, which is also the orchestration's instance id.</param>
/// <param name="Model">The model the candidate is published to.</param>
/// <param name="Gate">The publishing gate.</param>
/// <param name="Deadline">How long the trainer may take before the run fails and the job is stopped.</param>
/// <param name="PollInterval">The first wait between two looks at the trainer; it doubles up to <paramref name="MaxPollInterval"/>.</param>
/// <param name="MaxPollInterval">The longest wait between two looks at the trainer.</param>
/// <param name="MaxTrainerStarts">How often a lost trainer execution is started again (it resumes from its checkpoint).</param>
public sealed record TrainingRunInput(
    string RunId,
    string Model,
    TrainingGate Gate,
    TimeSpan Deadline,
    TimeSpan PollInterval,
    TimeSpan MaxPollInterval,
    int MaxTrainerStarts);
