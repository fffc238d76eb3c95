using Microsoft.Extensions.Logging;

namespace Serverless.Functions.Http;

/// <summary>Logs of the HTTP functions and their error mapping.</summary>
internal static partial class Log
{
    [LoggerMessage(1001, LogLevel.Error, "Function {Function} failed unexpectedly (correlation id {CorrelationId})")]
    public static partial void UnexpectedFailure(ILogger logger, Exception exception, string function, string correlationId);

    [LoggerMessage(1002, LogLevel.Information, "Function {Function} refused a request: {Status} {ProblemType} (correlation id {CorrelationId})")]
    public static partial void RequestRefused(ILogger logger, string function, int status, string? problemType, string correlationId);

    [LoggerMessage(1003, LogLevel.Debug, "Function {Function}: the caller aborted the request (correlation id {CorrelationId})")]
    public static partial void RequestAborted(ILogger logger, string function, string correlationId);

    [LoggerMessage(1004, LogLevel.Warning, "Function {Function} failed after its response had started; the connection was aborted (correlation id {CorrelationId})")]
    public static partial void ResponseAlreadyStarted(ILogger logger, string function, string correlationId);

    [LoggerMessage(1005, LogLevel.Information, "Published model {Model} version {Version} from {Source}")]
    public static partial void Published(ILogger logger, string model, string version, string source);

    [LoggerMessage(1006, LogLevel.Information, "Alias {Alias} of model {Model} now points to version {Version}")]
    public static partial void AliasSet(ILogger logger, string model, string alias, string version);
}
