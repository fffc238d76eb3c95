using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Serverless.Errors;

namespace Serverless.Functions.Http;

/// <summary>
/// The one mapping from exceptions to problem+json. <see cref="ServiceException"/>s keep their type, title, status and
/// detail (<see cref="DetailOf"/>: a missing model's names the route that fixes it), plus Retry-After for 429 and 503;
/// JSON errors are 400; an oversized body rejected by the server is 413; anything else is a 500 that says only that
/// something failed and carries the correlation id — never a message or stack trace.
/// </summary>
public static class ProblemDetailsMapper
{
    /// <summary>Maps <paramref name="exception"/>.</summary>
    /// <param name="exception">What was thrown.</param>
    /// <param name="instance">The request path, for the problem's <c>instance</c>.</param>
    /// <param name="correlationId">The invocation id, also in the logs, so a 500 can be found there.</param>
    public static ProblemResponse Map(Exception exception, string instance, string correlationId)
    {
        var (status, type, title, detail, retryAfter) = exception switch
        {
            ServiceException e => Describe(e),
            JsonException e => Describe(RequestBody.MalformedJson(e)),
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } =>
                Describe(new PayloadTooLargeException("The request body is too large: send fewer or shorter texts per request.")),
            BadHttpRequestException e => Describe(new InvalidRequestException($"The request could not be read: {e.Message}")),
            _ => (ProblemTypes.InternalError.Status, ProblemTypes.InternalError.Type, ProblemTypes.InternalError.Title,
                $"The server failed to handle the request. Quote correlation id {correlationId} when reporting it.", (int?)null),
        };

        var body = new ProblemDetails { Type = type, Title = title, Status = status, Detail = detail, Instance = instance };
        body.Extensions["correlationId"] = correlationId;
        var headers = new Dictionary<string, string>();
        if (retryAfter is int seconds && status is StatusCodes.Status429TooManyRequests or StatusCodes.Status503ServiceUnavailable)
        {
            headers["Retry-After"] = seconds.ToString(CultureInfo.InvariantCulture);
        }

        return new ProblemResponse(status, body, headers);
    }

    /// <summary>
    /// The detail a caller is told for <paramref name="exception"/> (over HTTP and in queue error results): its message,
    /// and for a missing model, version or alias the route that publishes, lists or sets it, which the registry does not
    /// know, e.g. "…: publish one first (POST /api/models/spam/versions)"; for a base encoder asked to classify, the
    /// training route.
    /// </summary>
    public static string DetailOf(ServiceException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var route = exception switch
        {
            ModelNotFoundException { Missing: { Alias: { } alias } missing } => $"PUT /api/models/{missing.Name}/aliases/{alias}",
            ModelNotFoundException { Missing: { Version: not null } missing } => $"GET /api/models/{missing.Name}",
            ModelNotFoundException { Missing: { } missing } => $"POST /api/models/{missing.Name}/versions",
            // A base encoder asked to classify: training is what turns it into a classifier.
            _ when exception.Problem == ProblemTypes.NotAClassifier => "POST /api/training",
            _ => null,
        };
        if (route is null)
        {
            return exception.Message;
        }

        var message = exception.Message;
        var detail = message.EndsWith('.') ? $"{message[..^1]} ({route})." : $"{message} ({route})";
        // The bound every detail keeps: a message that already fills it goes out without the route.
        return detail.Length <= ServiceException.MaxDetailLength ? detail : message;
    }

    private static (int, string, string, string, int?) Describe(ServiceException e) => (e.Status, e.Type, e.Title, DetailOf(e), e.RetryAfterSeconds);
}
