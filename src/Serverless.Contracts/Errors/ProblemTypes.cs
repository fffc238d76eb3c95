using System.Reflection;

namespace Serverless.Errors;

/// <summary>
/// The one list of problem types: every <c>type</c> an HTTP error or a queue error result can carry. Code that raises a
/// problem names one of these; the OpenAPI document lists them; nothing spells a slug or title anywhere else.
/// </summary>
public static class ProblemTypes
{
    /// <summary>400: the request is malformed, has wrong types, or asks for something that cannot be done.</summary>
    public static readonly ProblemType InvalidRequest = new("invalid-request", "Invalid request", 400);

    /// <summary>400: the body (or queue message) is not JSON: empty, ill-formed, ill-formed UTF-8 or lone surrogates.</summary>
    public static readonly ProblemType MalformedJson = new("malformed-json", "Malformed JSON", 400);

    /// <summary>400: a JSON object names the same property twice.</summary>
    public static readonly ProblemType DuplicateProperty = new("duplicate-property", "Duplicate property", 400);

    /// <summary>400: a text is empty (or only whitespace and control characters).</summary>
    public static readonly ProblemType EmptyText = new("empty-text", "Empty text", 400);

    /// <summary>400: the list of texts is empty.</summary>
    public static readonly ProblemType EmptyTexts = new("empty-texts", "No texts", 400);

    /// <summary>400: <c>topK</c> is not an integer of at least 1.</summary>
    public static readonly ProblemType InvalidTopK = new("invalid-top-k", "Invalid topK", 400);

    /// <summary>400: <c>variant</c> is neither <c>fp32</c> nor <c>int8</c>.</summary>
    public static readonly ProblemType InvalidVariant = new("invalid-variant", "Invalid variant", 400);

    /// <summary>400: a version is neither a positive integer nor an alias.</summary>
    public static readonly ProblemType InvalidVersion = new("invalid-version", "Invalid version", 400);

    /// <summary>400: an alias name is not valid.</summary>
    public static readonly ProblemType InvalidAlias = new("invalid-alias", "Invalid alias", 400);

    /// <summary>400: a model name does not match <c>^[a-z0-9][a-z0-9-]{0,62}$</c>.</summary>
    public static readonly ProblemType InvalidModelName = new("invalid-model-name", "Invalid model name", 400);

    /// <summary>400: a publish source is not a valid blob folder.</summary>
    public static readonly ProblemType InvalidSource = new("invalid-source", "Invalid source", 400);

    /// <summary>400: the folder to publish from does not exist.</summary>
    public static readonly ProblemType SourceNotFound = new("source-not-found", "Source not found", 400);

    /// <summary>400: the folder to publish from is larger than a package may be.</summary>
    public static readonly ProblemType SourceTooLarge = new("source-too-large", "Source too large", 400);

    /// <summary>400: the model is a base encoder, which cannot classify.</summary>
    public static readonly ProblemType NotAClassifier = new("not-a-classifier", "Not a classifier", 400);

    /// <summary>400: a training dataset cannot be read or does not exist.</summary>
    public static readonly ProblemType InvalidDataset = new("invalid-dataset", "Invalid dataset", 400);

    /// <summary>400: the base model of a training run is not in the registry.</summary>
    public static readonly ProblemType BaseNotFound = new("base-not-found", "Base model not found", 400);

    /// <summary>400: a queue message is not a valid classify request.</summary>
    public static readonly ProblemType InvalidMessage = new("invalid-message", "Invalid queue message", 400);

    /// <summary>400: a queue message's id is not 1–128 characters of <c>[A-Za-z0-9._-]</c>.</summary>
    public static readonly ProblemType InvalidId = new("invalid-id", "Invalid message id", 400);

    /// <summary>400: a queue message's <c>replyTo</c> is not on the allow-list.</summary>
    public static readonly ProblemType InvalidReplyTo = new("invalid-reply-to", "Reply queue not allowed", 400);

    /// <summary>403: the request names a host the server does not answer for (DNS rebinding protection of the loopback-only local host).</summary>
    public static readonly ProblemType HostNotAllowed = new("host-not-allowed", "Host not allowed", 403);

    /// <summary>404: no function answers this path.</summary>
    public static readonly ProblemType RouteNotFound = new("route-not-found", "Route not found", 404);

    /// <summary>404: the model or version does not exist.</summary>
    public static readonly ProblemType ModelNotFound = new("model-not-found", "Model or version not found", 404);

    /// <summary>404: the version has no such variant.</summary>
    public static readonly ProblemType VariantNotFound = new("variant-not-found", "Variant not found", 404);

    /// <summary>404: no training run has this id.</summary>
    public static readonly ProblemType RunNotFound = new("run-not-found", "Training run not found", 404);

    /// <summary>405: the route exists but not for this HTTP method.</summary>
    public static readonly ProblemType MethodNotAllowed = new("method-not-allowed", "Method not allowed", 405);

    /// <summary>409: a concurrent change won; the caller may retry.</summary>
    public static readonly ProblemType Conflict = new("conflict", "Conflicting change", 409);

    /// <summary>409: a queue message reuses the id of an answered message with a different request.</summary>
    public static readonly ProblemType IdConflict = new("id-conflict", "Message id reused", 409);

    /// <summary>409: the request conflicts with the state of a training run.</summary>
    public static readonly ProblemType RunConflict = new("run-conflict", "Training run conflict", 409);

    /// <summary>413: too many texts or too large a body.</summary>
    public static readonly ProblemType PayloadTooLarge = new("payload-too-large", "Payload too large", 413);

    /// <summary>415: the request carries a body that is not <c>application/json</c>.</summary>
    public static readonly ProblemType UnsupportedMediaType = new("unsupported-media-type", "Unsupported media type", 415);

    /// <summary>422: a model package is incomplete, corrupt, or does not match its manifest.</summary>
    public static readonly ProblemType InvalidModelPackage = new("invalid-model-package", "Invalid model package", 422);

    /// <summary>422: the model produced scores that are not finite numbers.</summary>
    public static readonly ProblemType InvalidModelOutput = new("invalid-model-output", "Invalid model output", 422);

    /// <summary>429: the engine's queue is full (with Retry-After).</summary>
    public static readonly ProblemType EngineBusy = new("engine-busy", "Too many requests", 429);

    /// <summary>500: an unexpected server fault; the problem carries a correlation id and nothing else about it.</summary>
    public static readonly ProblemType InternalError = new("internal-error", "Internal server error", 500);

    /// <summary>503: no model is loaded yet (with Retry-After).</summary>
    public static readonly ProblemType ModelUnavailable = new("model-unavailable", "Model unavailable", 503);

    /// <summary>503: storage cannot be reached (with Retry-After).</summary>
    public static readonly ProblemType StorageUnavailable = new("storage-unavailable", "Storage unavailable", 503);

    /// <summary>503: the local model cache cannot be written (disk full, unwritable, not private).</summary>
    public static readonly ProblemType ModelCacheUnavailable = new("model-cache-unavailable", "Model cache unavailable", 503);

    /// <summary>503: the built-in base encoder cannot be loaded.</summary>
    public static readonly ProblemType BaseModelUnavailable = new("base-model-unavailable", "Base model unavailable", 503);

    /// <summary>Every problem type above, in declaration order.</summary>
    // Read from the fields, so a problem type added above is listed without a second spelling of it.
    public static IReadOnlyList<ProblemType> All { get; } =
    [
        .. typeof(ProblemTypes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.FieldType == typeof(ProblemType))
            .OrderBy(f => f.MetadataToken)
            .Select(f => (ProblemType)f.GetValue(null)!),
    ];
}
