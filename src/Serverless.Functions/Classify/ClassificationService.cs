using System.Diagnostics;
using Microsoft.Extensions.Options;
using Serverless.Functions.Observability;
using Serverless.Options;
using Serverless.Serving;

namespace Serverless.Functions;

/// <summary>
/// Classifies a validated request with the model version it names (default model and alias from
/// <see cref="ServingOptions"/>), for HTTP and queue alike. Thread-safe.
/// </summary>
public sealed class ClassificationService(
    ServedModels models, IOptions<ServingOptions> serving, IOptions<RequestLimitsOptions> limits, FunctionsMetrics metrics)
{
    /// <summary>Source tag of HTTP requests.</summary>
    public const string Http = "http";

    /// <summary>Source tag of queue messages.</summary>
    public const string Queue = "queue";

    /// <summary>Classifies <paramref name="request"/>'s texts; results keep their order.</summary>
    /// <param name="request">The validated request.</param>
    /// <param name="source"><see cref="Http"/> or <see cref="Queue"/>, for metrics; <see cref="Queue"/> also waits for room in a busy engine.</param>
    /// <param name="cancellationToken">Cancels the wait; a cancelled request leaves its batch.</param>
    /// <exception cref="Errors.ModelNotFoundException">Unknown model or version.</exception>
    /// <exception cref="Errors.VariantNotFoundException">The version lacks the variant the request names.</exception>
    /// <exception cref="Errors.InvalidRequestException">The model is a base encoder.</exception>
    /// <exception cref="Errors.PayloadTooLargeException">With windows: the texts make more windows than a request may send.</exception>
    /// <exception cref="Errors.EngineBusyException">The engine's queue is full (HTTP only: the queue path waits for room).</exception>
    /// <exception cref="Errors.ServiceUnavailableException">Storage cannot be reached or the model cannot be loaded yet.</exception>
    public async Task<ClassifyResponse> ClassifyAsync(ClassifyRequest request, string source, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var name = request.Model ?? serving.Value.DefaultModel;
        using var lease = await models.AcquireAsync(name, request.Version ?? serving.Value.DefaultAlias, request.Variant, cancellationToken);
        // Queue messages wait for room in the engine (back-pressure): a busy engine is no failure for them, and retrying
        // them later only loses their place. HTTP callers get 429 with Retry-After at once. Each window of a long text costs
        // what a text costs, so windows count against the request's text limit.
        var results = await lease.Engine.ClassifyAsync(
            request.Texts, request.TopK, request.Long, limits.Value.MaxTexts, waitForCapacity: source == Queue, cancellationToken);
        metrics.Classified(lease.Name, lease.Version, source, request.Texts.Count, Stopwatch.GetElapsedTime(started));
        return new ClassifyResponse(lease.Name, lease.Version, lease.Engine.Device, lease.Engine.Package.Variant, results);
    }
}
