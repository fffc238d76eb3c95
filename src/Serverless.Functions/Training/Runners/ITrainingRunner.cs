namespace Serverless.Functions.Training.Runners;

/// <summary>
/// Starts, watches and stops the trainer for a run (<c>run --run-id {runId}</c>), wherever it runs: a child process on
/// this machine (<c>local</c>) or an execution of the Azure Container Apps job (<c>containerapps</c>). Thread-safe.
/// </summary>
public interface ITrainingRunner
{
    /// <summary>Starts the trainer for <paramref name="runId"/>; returns the id of the execution it started.</summary>
    Task<string> StartAsync(string runId, CancellationToken cancellationToken);

    /// <summary>Where the execution stands; <see cref="TrainerExecutionState.Missing"/> when the runner no longer knows it.</summary>
    Task<TrainerExecutionState> GetStateAsync(string runId, string executionId, CancellationToken cancellationToken);

    /// <summary>Stops the execution; an execution that already ended is left as it is.</summary>
    Task StopAsync(string runId, string executionId, CancellationToken cancellationToken);
}
