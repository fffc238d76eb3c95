namespace Serverless.Errors;

/// <summary>503: no model is loaded yet, or storage or the model cache cannot be used.</summary>
public sealed class ServiceUnavailableException(string detail, ProblemType? problem = null, int retryAfterSeconds = 5, Exception? inner = null)
    : ServiceException(WithStatus(problem ?? ProblemTypes.ModelUnavailable, 503), detail, inner)
{
    /// <inheritdoc />
    public override int? RetryAfterSeconds => retryAfterSeconds;

    /// <summary>The local model cache cannot be used, so no version can be downloaded and loaded.</summary>
    public static ServiceUnavailableException Cache(string detail, Exception? inner = null) =>
        new(detail, ProblemTypes.ModelCacheUnavailable, 30, inner);

    /// <summary>Storage could not be reached.</summary>
    public static ServiceUnavailableException Storage(string detail, Exception? inner = null) =>
        new(detail, ProblemTypes.StorageUnavailable, 5, inner);
}
