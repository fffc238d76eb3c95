using Microsoft.Extensions.Logging;

namespace Serverless.Functions.Training;

/// <summary>Logs of training runs: the API, the orchestration and its activities (event ids 3000-3099).</summary>
internal static partial class Log
{
    [LoggerMessage(3001, LogLevel.Information, "Training run {RunId} accepted for model {Model}")]
    public static partial void RunAccepted(ILogger logger, string runId, string model);

    [LoggerMessage(3002, LogLevel.Information, "Training run {RunId} ended {Status}: {Reason}")]
    public static partial void RunEnded(ILogger logger, string runId, string status, string? reason);

    [LoggerMessage(3003, LogLevel.Warning, "Training run {RunId}: removing its checkpoints failed: {Reason}")]
    public static partial void CleanupFailed(ILogger logger, string runId, string reason);

    [LoggerMessage(3004, LogLevel.Warning, "Training run {RunId}: trainer execution {ExecutionId} is {State} without a result; starting it again")]
    public static partial void TrainerLost(ILogger logger, string runId, string executionId, string state);

    [LoggerMessage(3006, LogLevel.Information, "Training run {RunId}: trainer ended {Status}")]
    public static partial void TrainerEnded(ILogger logger, string runId, string status);

    [LoggerMessage(3007, LogLevel.Warning, "A training-events message was dropped: {Reason}")]
    public static partial void EventDropped(ILogger logger, string reason);

    [LoggerMessage(3008, LogLevel.Information, "Training run {RunId}: published version {Version} of model {Model}")]
    public static partial void CandidatePublished(ILogger logger, string runId, string model, string version);

    [LoggerMessage(3009, LogLevel.Information, "Training run {RunId}: {Action} requested")]
    public static partial void RunControlled(ILogger logger, string runId, string action);
}
