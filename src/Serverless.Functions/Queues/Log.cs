using Microsoft.Extensions.Logging;

namespace Serverless.Functions.Queues;

/// <summary>Logs of the queue processing. Message ids are logged; texts never are.</summary>
internal static partial class Log
{
    [LoggerMessage(2001, LogLevel.Warning, "Queue message {Id} refused permanently: {ProblemType}; answered with an error result")]
    public static partial void MessageRefused(ILogger logger, string? id, string problemType);

    [LoggerMessage(2002, LogLevel.Information, "Queue message {Id} was answered before; sent the stored answer again (delivery {DequeueCount})")]
    public static partial void Replayed(ILogger logger, string id, int dequeueCount);

    [LoggerMessage(2003, LogLevel.Warning, "Queue message {Id} failed transiently on delivery {DequeueCount} of {MaxDequeueCount}; it will be retried")]
    public static partial void WillRetry(ILogger logger, Exception exception, string? id, int dequeueCount, int maxDequeueCount);

    [LoggerMessage(2004, LogLevel.Error, "Queue message {Id} failed on its last delivery ({DequeueCount}); sent an error result, the message goes to the poison queue")]
    public static partial void GivingUp(ILogger logger, Exception exception, string? id, int dequeueCount);

    [LoggerMessage(2005, LogLevel.Error, "Queue message {Id} was delivered {DequeueCount} times, more than the {MaxDequeueCount} allowed, after an attempt without an outcome; answered with an error result and completed")]
    public static partial void AttemptsSpent(ILogger logger, string id, int dequeueCount, int maxDequeueCount);

    [LoggerMessage(2006, LogLevel.Error, "The error result of queue message {Id} could not be sent to {ReplyTo}; the sender may not hear back")]
    public static partial void ErrorResultNotSent(ILogger logger, Exception exception, string? id, string replyTo);
}
