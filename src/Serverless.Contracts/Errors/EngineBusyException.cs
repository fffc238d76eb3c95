namespace Serverless.Errors;

/// <summary>429: the engine's queue is full.</summary>
public sealed class EngineBusyException(string detail, int retryAfterSeconds = 1)
    : ServiceException(ProblemTypes.EngineBusy, detail)
{
    /// <inheritdoc />
    public override int? RetryAfterSeconds => retryAfterSeconds;
}
