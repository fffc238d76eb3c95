using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Serverless.Functions.Http;

/// <summary>
/// A JSON response written straight to the <see cref="HttpResponse"/> with <see cref="FunctionsJson.Options"/>. Unlike
/// <see cref="ObjectResult"/> it needs no MVC services, so it runs the same under the Functions worker, the local host and
/// a bare <see cref="DefaultHttpContext"/>.
/// </summary>
/// <param name="Value">The body.</param>
/// <param name="StatusCode">HTTP status code.</param>
/// <param name="ContentType">Content type; <c>application/json</c> unless a problem.</param>
/// <param name="Headers">Extra response headers (Location, Retry-After).</param>
public sealed record JsonActionResult(
    object? Value,
    int StatusCode = StatusCodes.Status200OK,
    string ContentType = JsonActionResult.Json,
    IReadOnlyDictionary<string, string>? Headers = null) : IActionResult
{
    /// <summary>The JSON media type.</summary>
    public const string Json = "application/json";

    /// <summary>200 with a JSON body.</summary>
    public static JsonActionResult Ok(object? value) => new(value);

    /// <summary>201 with a JSON body and a Location header.</summary>
    public static JsonActionResult Created(string location, object? value) =>
        new(value, StatusCodes.Status201Created, Headers: new Dictionary<string, string> { ["Location"] = location });

    /// <inheritdoc />
    public Task ExecuteResultAsync(ActionContext context) => WriteAsync(context.HttpContext.Response, context.HttpContext.RequestAborted);

    /// <summary>Writes status, headers and body to <paramref name="response"/>.</summary>
    public async Task WriteAsync(HttpResponse response, CancellationToken cancellationToken)
    {
        response.StatusCode = StatusCode;
        if (Headers is not null)
        {
            foreach (var (name, value) in Headers)
            {
                response.Headers[name] = value;
            }
        }

        response.ContentType = ContentType + "; charset=utf-8";
        await JsonSerializer.SerializeAsync(response.Body, Value, Value?.GetType() ?? typeof(object), FunctionsJson.Options, cancellationToken);
    }
}
