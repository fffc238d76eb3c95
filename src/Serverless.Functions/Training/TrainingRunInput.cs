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

/// <summary>The <c>trainer-ended</c> event, raised from the trainer's training-events message.</summary>
/// <param name="Status"><see cref="TrainingRunOutcome.Succeeded"/> or <see cref="TrainingRunOutcome.Failed"/>.</param>
/// <param name="Error">Why the trainer failed; null on success.</param>
public sealed record TrainerEnded(string Status, string? Error);

/// <summary>The <c>approval</c> event: the body of <c>POST /api/training/{id}/approve</c>.</summary>
/// <param name="Approved">True to move <c>production</c> to the candidate, false to reject it.</param>
public sealed record ApprovalDecision(bool Approved);

/// <summary>An activity's view of one trainer execution.</summary>
/// <param name="RunId">The run.</param>
/// <param name="ExecutionId">The execution the runner started.</param>
public sealed record TrainerExecution(string RunId, string ExecutionId);

/// <summary>What a look at the trainer found: the runner's state of the execution and the trainer's own status.json.</summary>
/// <param name="State">The execution's state as the runner sees it.</param>
/// <param name="Outcome">status.json's status (Running, Succeeded, Failed), null while it has none.</param>
/// <param name="Error">status.json's error, when failed.</param>
public sealed record TrainerProbe(Runners.TrainerExecutionState State, string? Outcome, string? Error);

/// <summary>Publish the run's candidate package as the next version of the model.</summary>
public sealed record PublishCandidateRequest(string RunId, string Model);

/// <summary>Point an alias at a version; with <paramref name="Precondition"/>, only while the alias still points there.</summary>
/// <param name="Model">The model.</param>
/// <param name="Alias">The alias.</param>
/// <param name="Version">The version it should point at.</param>
/// <param name="Conditional">True to require <paramref name="Precondition"/>.</param>
/// <param name="Precondition">The version the alias must point at now; null when it must not exist.</param>
public sealed record PointAliasRequest(string Model, string Alias, string Version, bool Conditional, string? Precondition);

/// <summary>Whether the alias now points at the version, and where it pointed when it had moved.</summary>
public sealed record PointAliasResult(bool Set, string? Current);

/// <summary>A run has ended with <paramref name="Status"/>: clean up after it.</summary>
public sealed record FinishRunRequest(string RunId, string Model, string Status);
