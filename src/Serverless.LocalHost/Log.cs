namespace Serverless.LocalHost;

internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Local functions host (no Core Tools) listening on {Url} — loopback only, no function keys")]
    public static partial void HostListening(ILogger logger, string url);

    [LoggerMessage(2, LogLevel.Information, "Functions:")]
    public static partial void FunctionsHeader(ILogger logger);

    [LoggerMessage(3, LogLevel.Information, "  {Function}: [{Methods}] {Url}")]
    public static partial void HttpFunction(ILogger logger, string function, string methods, string url);

    [LoggerMessage(4, LogLevel.Information, "  {Function}: queueTrigger {Queue}")]
    public static partial void QueueFunction(ILogger logger, string function, string queue);

    [LoggerMessage(5, LogLevel.Warning, "  {Function}: not served by the local host: {Reason}")]
    public static partial void SkippedFunction(ILogger logger, string function, string reason);

    [LoggerMessage(6, LogLevel.Information, "Host ready: {FunctionCount} functions, {MiddlewareCount} app middleware, script root {ScriptRoot}")]
    public static partial void Ready(ILogger logger, int functionCount, int middlewareCount, string scriptRoot);

    [LoggerMessage(10, LogLevel.Information, "Executing 'Functions.{Function}' (Reason='{Reason}', Id={InvocationId})")]
    public static partial void Executing(ILogger logger, string function, string reason, string invocationId);

    [LoggerMessage(11, LogLevel.Information, "Executed 'Functions.{Function}' (Succeeded, Id={InvocationId}, Duration={DurationMs:0}ms)")]
    public static partial void Executed(ILogger logger, string function, string invocationId, double durationMs);

    [LoggerMessage(12, LogLevel.Error, "Executed 'Functions.{Function}' (Failed, Id={InvocationId}, Duration={DurationMs:0}ms)")]
    public static partial void Failed(ILogger logger, Exception exception, string function, string invocationId, double durationMs);

    [LoggerMessage(13, LogLevel.Warning, "Function '{Function}' (Id={InvocationId}) returned no HTTP response (no IActionResult or IResult, nothing written)")]
    public static partial void NoHttpResponse(ILogger logger, string function, string invocationId);

    [LoggerMessage(20, LogLevel.Debug, "Function '{Function}' polls queue '{Queue}'")]
    public static partial void Listening(ILogger logger, string function, string queue);

    [LoggerMessage(21, LogLevel.Warning, "Polling queue '{Queue}' failed; trying again in {DelaySeconds} s")]
    public static partial void PollFailed(ILogger logger, Exception exception, string queue, double delaySeconds);

    [LoggerMessage(22, LogLevel.Warning, "Message {MessageId} on '{Queue}' failed attempt {DequeueCount} of {MaxDequeueCount}; it is retried in {DelaySeconds} s")]
    public static partial void WillRetry(ILogger logger, string messageId, string queue, long dequeueCount, int maxDequeueCount, double delaySeconds);

    [LoggerMessage(23, LogLevel.Error, "Message {MessageId} on '{Queue}' failed {DequeueCount} times and was moved to '{PoisonQueue}'")]
    public static partial void MovedToPoison(ILogger logger, string messageId, string queue, long dequeueCount, string poisonQueue);

    [LoggerMessage(24, LogLevel.Warning, "Completing message {MessageId} on '{Queue}' failed; it becomes visible again when its lease ends")]
    public static partial void CompletionFailed(ILogger logger, Exception exception, string messageId, string queue);

    [LoggerMessage(25, LogLevel.Warning, "Keeping message {MessageId} on '{Queue}' invisible failed; another attempt may start while this one runs")]
    public static partial void LeaseRenewalFailed(ILogger logger, Exception exception, string messageId, string queue);

    [LoggerMessage(26, LogLevel.Warning, "Function '{Function}' still had {InFlight} messages in flight at the shutdown deadline; they were canceled")]
    public static partial void ShutdownTimedOut(ILogger logger, string function, int inFlight);

    [LoggerMessage(7, LogLevel.Information, "  {Function}: orchestrationTrigger")]
    public static partial void OrchestratorFunction(ILogger logger, string function);

    [LoggerMessage(8, LogLevel.Information, "  {Function}: activityTrigger")]
    public static partial void ActivityFunction(ILogger logger, string function);

    [LoggerMessage(30, LogLevel.Information, "Durable Task engine: task hub '{HubName}' on {Storage}, sidecar {Address}")]
    public static partial void DurableEngineStarted(ILogger logger, string hubName, string storage, string address);

    [LoggerMessage(31, LogLevel.Information, "Durable Task engine for task hub '{HubName}' stopped")]
    public static partial void DurableEngineStopped(ILogger logger, string hubName);
}
