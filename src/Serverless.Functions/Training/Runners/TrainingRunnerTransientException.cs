namespace Serverless.Functions.Training.Runners;

/// <summary>
/// A runner call failed for a reason that may pass (Azure Resource Manager throttled it or answered 5xx, or was
/// unreachable): retry the activity. Permanent refusals are <see cref="InvalidOperationException"/>s instead. Activities
/// surface to the orchestration as <c>TaskFailedException</c>; <c>FailureDetails.IsCausedBy&lt;TrainingRunnerTransientException&gt;()</c>
/// tells this case apart in a retry handler.
/// </summary>
public sealed class TrainingRunnerTransientException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TrainingRunnerTransientException(string message, int? statusCode = null, TimeSpan? retryAfter = null, Exception? innerException = null)
        : base(message, innerException)
    {
        StatusCode = statusCode;
        RetryAfter = retryAfter;
    }

    /// <summary>The HTTP status ARM answered; null when no answer came.</summary>
    public int? StatusCode { get; }

    /// <summary>How long ARM asked to wait (<c>Retry-After</c>), when it did.</summary>
    public TimeSpan? RetryAfter { get; }
}
