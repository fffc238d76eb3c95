namespace Serverless.Errors;

/// <summary>
/// A failure the caller can act on. Every one maps to an RFC 9457 problem of one of the <see cref="ProblemTypes"/>, with
/// a stable <see cref="Type"/> and <see cref="Title"/>, an HTTP status, and a human <see cref="Exception.Message"/> (the
/// problem's detail).
/// </summary>
public abstract class ServiceException(ProblemType problem, string detail, Exception? inner = null)
    : Exception(Bounded(detail), inner)
{
    /// <summary>The longest detail a problem carries; a longer one is cut, so an error never grows with its input.</summary>
    public const int MaxDetailLength = 1_000;

    /// <summary>Prefix of every problem type URI.</summary>
    public const string TypePrefix = "urn:serverless:problem:";

    /// <summary>The kind of problem.</summary>
    public ProblemType Problem { get; } = problem;

    /// <summary>Stable problem type URI.</summary>
    public string Type => Problem.Type;

    /// <summary>Stable short title.</summary>
    public string Title => Problem.Title;

    /// <summary>HTTP status code.</summary>
    public int Status => Problem.Status;

    /// <summary>Seconds after which a retry may succeed (429 and 503), else null.</summary>
    public virtual int? RetryAfterSeconds => null;

    /// <summary>True when the same request may succeed later (busy, unavailable); false when it never will.</summary>
    public bool IsTransient => Status is 429 or >= 500;

    private static string Bounded(string detail) => detail.Length <= MaxDetailLength ? detail : detail[..(MaxDetailLength - 1)] + "…";

    /// <summary><paramref name="problem"/>, or an <see cref="ArgumentException"/> when its status is not <paramref name="status"/>.</summary>
    private protected static ProblemType WithStatus(ProblemType problem, int status) =>
        problem.Status == status ? problem
        : throw new ArgumentException($"Problem type '{problem.Slug}' has status {problem.Status}, not {status}.", nameof(problem));
}

/// <summary>400: the request is malformed, has wrong types, or asks for something that cannot be done.</summary>
public sealed class InvalidRequestException(string detail, ProblemType? problem = null)
    : ServiceException(WithStatus(problem ?? ProblemTypes.InvalidRequest, 400), detail);

/// <summary>415: the request carries a body that is not <c>application/json</c>.</summary>
public sealed class UnsupportedMediaTypeException(string detail)
    : ServiceException(ProblemTypes.UnsupportedMediaType, detail);

/// <summary>413: too many texts or too large a body.</summary>
public sealed class PayloadTooLargeException(string detail)
    : ServiceException(ProblemTypes.PayloadTooLarge, detail);

/// <summary>404: the model or version does not exist.</summary>
/// <param name="detail">What is missing, as the caller is told.</param>
/// <param name="missing">What was looked for, when the thrower knows it (see <see cref="Missing"/>).</param>
public sealed class ModelNotFoundException(string detail, MissingModel? missing = null)
    : ServiceException(ProblemTypes.ModelNotFound, detail)
{
    /// <summary>
    /// The model, version or alias that was looked for and not found, so a layer that knows how its callers create one
    /// (the HTTP API and its routes) can say so; null when the thrower does not say.
    /// </summary>
    public MissingModel? Missing { get; } = missing;
}

/// <summary>404: the version has no such variant (e.g. int8 asked of a version that has only fp32).</summary>
public sealed class VariantNotFoundException(string detail)
    : ServiceException(ProblemTypes.VariantNotFound, detail);

/// <summary>404: no function answers this path.</summary>
public sealed class RouteNotFoundException(string detail)
    : ServiceException(ProblemTypes.RouteNotFound, detail);

/// <summary>405: the route exists but not for this HTTP method.</summary>
public sealed class MethodNotAllowedException(string detail)
    : ServiceException(ProblemTypes.MethodNotAllowed, detail);

/// <summary>403: the request names a host the server does not answer for (DNS rebinding protection of the loopback-only local host).</summary>
public sealed class HostNotAllowedException(string detail)
    : ServiceException(ProblemTypes.HostNotAllowed, detail);

/// <summary>409: a concurrent change won; the caller may retry.</summary>
public sealed class ConflictException(string detail)
    : ServiceException(ProblemTypes.Conflict, detail);

/// <summary>409: a queue message reuses the id of an answered message with a different request; it is never retried.</summary>
public sealed class IdConflictException(string detail)
    : ServiceException(ProblemTypes.IdConflict, detail);

/// <summary>422: a model package is incomplete, corrupt, or does not match its manifest.</summary>
public sealed class InvalidModelPackageException(string detail)
    : ServiceException(ProblemTypes.InvalidModelPackage, detail);

/// <summary>422: the model produced scores that are not finite numbers (NaN or infinity): the version is broken.</summary>
public sealed class InvalidModelOutputException(string detail)
    : ServiceException(ProblemTypes.InvalidModelOutput, detail);

/// <summary>429: the engine's queue is full.</summary>
public sealed class EngineBusyException(string detail, int retryAfterSeconds = 1)
    : ServiceException(ProblemTypes.EngineBusy, detail)
{
    /// <inheritdoc />
    public override int? RetryAfterSeconds => retryAfterSeconds;
}

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

/// <summary>404: no training run has this id.</summary>
public sealed class TrainingRunNotFoundException(string detail)
    : ServiceException(ProblemTypes.RunNotFound, detail);

/// <summary>409: the request conflicts with the state of a training run (one already active, or in a state that forbids it).</summary>
public sealed class TrainingRunConflictException(string detail)
    : ServiceException(ProblemTypes.RunConflict, detail);
