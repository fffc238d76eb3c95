using System.Net;
using System.Text.Encodings.Web;
using System.Text.Json;
using Serverless.Errors;

namespace Serverless.LocalHost;

/// <summary>
/// What the local host answers before and after routing, so that every answer is problem+json like the functions' own:
/// a request whose <c>Host</c> is not a loopback name is refused (403; a web page's script cannot reach the loopback-only
/// host through a domain that it rebinds to 127.0.0.1), and a path no function serves (404) or a method its route does not
/// take (405, with <c>Allow</c>) gets a problem document instead of an empty body.
/// </summary>
internal static class LoopbackRequestGuard
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The middleware; functions' endpoints carry their <see cref="LocalFunction"/> as metadata.</summary>
    public static async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (!IsLoopbackHost(context.Request.Host))
        {
            await WriteAsync(context, new HostNotAllowedException(
                $"The local host answers only for localhost, 127.0.0.1 and [::1], not '{CallerInput.Excerpt(context.Request.Host.Value)}': call it as http://localhost:{context.Connection.LocalPort}/."));
            return;
        }

        await next(context);
        if (context.Response.HasStarted || context.GetEndpoint()?.Metadata.GetMetadata<LocalFunction>() is not null)
        {
            return;
        }

        var path = CallerInput.Excerpt(context.Request.Path.Value);
        switch (context.Response.StatusCode)
        {
            case StatusCodes.Status404NotFound:
                await WriteAsync(context, new RouteNotFoundException($"No function answers {path}: the routes are listed in the README (for example POST /api/classify)."));
                break;
            case StatusCodes.Status405MethodNotAllowed:
                var allowed = context.Response.Headers.Allow.ToString();
                await WriteAsync(context, new MethodNotAllowedException(
                    $"{path} does not take {CallerInput.Excerpt(context.Request.Method)}" + (allowed.Length > 0 ? $": use {allowed}." : ".")));
                break;
        }
    }

    /// <summary>True for localhost (and names under .localhost), 127.0.0.0/8 and ::1; an absent Host (HTTP/1.0) is allowed.</summary>
    public static bool IsLoopbackHost(HostString host)
    {
        if (!host.HasValue)
        {
            return true;
        }

        var name = host.Host.TrimEnd('.');
        if (name.Equals("localhost", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return IPAddress.TryParse(name.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address);
    }

    private static async Task WriteAsync(HttpContext context, ServiceException problem)
    {
        var allow = context.Response.Headers.Allow;
        context.Response.Clear();
        if (problem is MethodNotAllowedException)
        {
            context.Response.Headers.Allow = allow;
        }

        context.Response.StatusCode = problem.Status;
        context.Response.ContentType = "application/problem+json";
        await JsonSerializer.SerializeAsync(context.Response.Body, new
        {
            type = problem.Type,
            title = problem.Title,
            status = problem.Status,
            detail = problem.Message,
            instance = CallerInput.Excerpt(context.Request.Path.Value),
        }, s_json, context.RequestAborted);
    }
}
