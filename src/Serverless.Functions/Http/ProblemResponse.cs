using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Serverless.Functions.Http;

/// <summary>An exception mapped to an RFC 9457 problem: status, body and extra headers (Retry-After).</summary>
/// <param name="Status">HTTP status code.</param>
/// <param name="Body">The problem document.</param>
/// <param name="Headers">Headers to add to the response.</param>
public sealed record ProblemResponse(int Status, ProblemDetails Body, IReadOnlyDictionary<string, string> Headers)
{
    /// <summary>The problem media type (RFC 9457).</summary>
    public const string ContentType = "application/problem+json";

    /// <summary>True for a genuine server fault (500), which is logged as an error.</summary>
    public bool IsServerFault => Status == StatusCodes.Status500InternalServerError;

    /// <summary>The response as an action result.</summary>
    public JsonActionResult ToActionResult() => new(Body, Status, ContentType, Headers);
}
