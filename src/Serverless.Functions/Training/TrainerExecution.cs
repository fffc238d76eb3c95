namespace Serverless.Functions.Training;

/// <summary>An activity's view of one trainer execution.</summary>
/// <param name="RunId">The run.</param>
/// <param name="ExecutionId">The execution the runner started.</param>
public sealed record TrainerExecution(string RunId, string ExecutionId);
