using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.DependencyInjection;

namespace Serverless.LocalHost.Tests.Samples;

/// <summary>Thrown by a sample function for a request the app refuses.</summary>
public sealed class SampleRefusedException(string message) : Exception(message);

/// <summary>Thrown by a sample function for a conflicting request.</summary>
public sealed class SampleConflictException(string message) : Exception(message);

/// <summary>
/// A worker middleware in the two styles apps use: writing problem+json to <c>context.GetHttpContext()</c>, and replacing
/// the result through <c>context.GetInvocationResult()</c>. Other exceptions pass through.
/// </summary>
public sealed class SampleProblemMiddleware : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        context.InstanceServices.GetRequiredService<InvocationTag>().Value = context.InvocationId;
        var http = context.GetHttpContext();
        http?.Response.Headers.Append("x-invocation-id", context.InvocationId);
        try
        {
            await next(context);
        }
        catch (SampleRefusedException exception) when (http is not null)
        {
            http.Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
            await http.Response.WriteAsJsonAsync(
                new ProblemDetails { Type = "urn:sample:refused", Title = "Refused", Status = 422, Detail = exception.Message },
                options: null, contentType: "application/problem+json");
        }
        catch (SampleConflictException exception)
        {
            context.GetInvocationResult().Value = new ObjectResult(new { title = "Conflict", detail = exception.Message })
            {
                StatusCode = StatusCodes.Status409Conflict,
            };
        }
    }
}
