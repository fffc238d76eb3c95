namespace Serverless.Errors;

/// <summary>
/// A failure the caller can act on. Every one maps to an RFC 9457 problem with a stable <see cref="Type"/> and
/// <see cref="Title"/>, an HTTP status, and a human <see cref="Exception.Message"/> (the problem's detail).
/// </summary>
public abstract class ServiceException(string slug, string title, int status, string detail, Exception? inner = null)
    : Exception(Bounded(detail), inner)
{
    /// <summary>The longest detail a problem carries; a longer one is cut, so an error never grows with its input.</summary>
    public const int MaxDetailLength = 1_000;

    /// <summary>Prefix of every problem type URI.</summary>
    public const string TypePrefix = "urn:serverless:problem:";

    /// <summary>Stable problem type URI.</summary>
    public string Type { get; } = TypePrefix + slug;

    /// <summary>Stable short title.</summary>
    public string Title { get; } = title;

    /// <summary>HTTP status code.</summary>
    public int Status { get; } = status;

    /// <summary>Seconds after which a retry may succeed (429 and 503), else null.</summary>
    public virtual int? RetryAfterSeconds => null;

    /// <summary>True when the same request may succeed later (busy, unavailable); false when it never will.</summary>
    public bool IsTransient => Status is 429 or >= 500;

    private static string Bounded(string detail) => detail.Length <= MaxDetailLength ? detail : detail[..(MaxDetailLength - 1)] + "…";
}

/// <summary>400: the request is malformed, has wrong types, or asks for something that cannot be done.</summary>
public sealed class InvalidRequestException(string detail, string slug = "invalid-request", string title = "Invalid request")
    : ServiceException(slug, title, 400, detail);

/// <summary>415: the request carries a body that is not <c>application/json</c>.</summary>
public sealed class UnsupportedMediaTypeException(string detail)
    : ServiceException("unsupported-media-type", "Unsupported media type", 415, detail);

/// <summary>413: too many texts or too large a body.</summary>
public sealed class PayloadTooLargeException(string detail)
    : ServiceException("payload-too-large", "Payload too large", 413, detail);

/// <summary>404: the model or version does not exist.</summary>
public sealed class ModelNotFoundException(string detail)
    : ServiceException("model-not-found", "Model or version not found", 404, detail);

/// <summary>404: the version has no such variant (e.g. int8 asked of a version that has only fp32).</summary>
public sealed class VariantNotFoundException(string detail)
    : ServiceException("variant-not-found", "Variant not found", 404, detail);

/// <summary>404: no function answers this path.</summary>
public sealed class RouteNotFoundException(string detail)
    : ServiceException("route-not-found", "Route not found", 404, detail);

/// <summary>405: the route exists but not for this HTTP method.</summary>
public sealed class MethodNotAllowedException(string detail)
    : ServiceException("method-not-allowed", "Method not allowed", 405, detail);

/// <summary>403: the request names a host the server does not answer for (DNS rebinding protection of the loopback-only local host).</summary>
public sealed class HostNotAllowedException(string detail)
    : ServiceException("host-not-allowed", "Host not allowed", 403, detail);

/// <summary>409: a concurrent change won; the caller may retry.</summary>
public sealed class ConflictException(string detail)
    : ServiceException("conflict", "Conflicting change", 409, detail);

/// <summary>409: a queue message reuses the id of an answered message with a different request; it is never retried.</summary>
public sealed class IdConflictException(string detail)
    : ServiceException("id-conflict", "Message id reused", 409, detail);

/// <summary>422: a model package is incomplete, corrupt, or does not match its manifest.</summary>
public sealed class InvalidModelPackageException(string detail)
    : ServiceException("invalid-model-package", "Invalid model package", 422, detail);

/// <summary>422: the model produced scores that are not finite numbers (NaN or infinity): the version is broken.</summary>
public sealed class InvalidModelOutputException(string detail)
    : ServiceException("invalid-model-output", "Invalid model output", 422, detail);

/// <summary>429: the engine's queue is full.</summary>
public sealed class EngineBusyException(string detail, int retryAfterSeconds = 1)
    : ServiceException("engine-busy", "Too many requests", 429, detail)
{
    /// <inheritdoc />
    public override int? RetryAfterSeconds => retryAfterSeconds;
}

/// <summary>503: no model is loaded yet, or storage cannot be reached.</summary>
public sealed class ServiceUnavailableException(string detail, string slug = "model-unavailable", string title = "Model unavailable", int retryAfterSeconds = 5, Exception? inner = null)
    : ServiceException(slug, title, 503, detail, inner)
{
    /// <summary>Problem slug used when storage cannot be reached.</summary>
    public const string StorageSlug = "storage-unavailable";

    /// <summary>Problem slug used when the local model cache cannot be written (disk full, unwritable, not private).</summary>
    public const string CacheSlug = "model-cache-unavailable";

    /// <inheritdoc />
    public override int? RetryAfterSeconds => retryAfterSeconds;

    /// <summary>The local model cache cannot be used, so no version can be downloaded and loaded.</summary>
    public static ServiceUnavailableException Cache(string detail, Exception? inner = null) =>
        new(detail, CacheSlug, "Model cache unavailable", 30, inner);

    /// <summary>Storage could not be reached.</summary>
    public static ServiceUnavailableException Storage(string detail, Exception? inner = null) =>
        new(detail, StorageSlug, "Storage unavailable", 5, inner);
}

/// <summary>404: no training run has this id.</summary>
public sealed class TrainingRunNotFoundException(string detail)
    : ServiceException("run-not-found", "Training run not found", 404, detail);

/// <summary>409: the request conflicts with the state of a training run (one already active, or in a state that forbids it).</summary>
public sealed class TrainingRunConflictException(string detail)
    : ServiceException("run-conflict", "Training run conflict", 409, detail);
