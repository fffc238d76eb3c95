using Microsoft.Extensions.Logging;

namespace Serverless.Functions.Training.Runners;

/// <summary>Logs of the trainer runners (event ids 5100–5199).</summary>
internal static partial class Log
{
    [LoggerMessage(5101, LogLevel.Information, "Started the trainer for run {RunId} as process {ProcessId} (execution {ExecutionId}); its log is {LogPath}")]
    public static partial void LocalStarted(ILogger logger, string runId, int processId, string executionId, string logPath);

    [LoggerMessage(5102, LogLevel.Information, "The trainer for run {RunId} (execution {ExecutionId}) exited with code {ExitCode}")]
    public static partial void LocalExited(ILogger logger, string runId, string executionId, int exitCode);

    [LoggerMessage(5103, LogLevel.Information, "Stopped the trainer for run {RunId} (execution {ExecutionId})")]
    public static partial void Stopped(ILogger logger, string runId, string executionId);

    [LoggerMessage(5104, LogLevel.Warning, "Could not upload the trainer log of run {RunId}; the next state query tries again")]
    public static partial void LogUploadFailed(ILogger logger, Exception exception, string runId);

    [LoggerMessage(5105, LogLevel.Warning, "Stopping the trainer of run {RunId} (execution {ExecutionId}): the host is shutting down; the run resumes from its checkpoint when the trainer starts again")]
    public static partial void KilledOnShutdown(ILogger logger, string runId, string executionId);

    [LoggerMessage(5106, LogLevel.Information, "Started execution {ExecutionId} of job {JobName} for run {RunId}")]
    public static partial void JobStarted(ILogger logger, string runId, string jobName, string executionId);

    [LoggerMessage(5107, LogLevel.Warning, "Execution {ExecutionId} of job {JobName} reports status {Status}, which is not known here; taken as Running")]
    public static partial void UnknownStatus(ILogger logger, string jobName, string executionId, string? status);

    [LoggerMessage(5108, LogLevel.Warning, "ARM answered {Status} to {Method} {Path}: {Message}")]
    public static partial void ArmFailed(ILogger logger, int status, string method, string path, string message);
}
