namespace Serverless.Functions.Training;

/// <summary>What a look at the trainer found: the runner's state of the execution and the trainer's own status.json.</summary>
/// <param name="State">The execution's state as the runner sees it.</param>
/// <param name="Outcome">status.json's status (Running, Succeeded, Failed), null while it has none.</param>
/// <param name="Error">status.json's error, when failed.</param>
public sealed record TrainerProbe(Runners.TrainerExecutionState State, string? Outcome, string? Error);
