using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Logging;
using Serverless.Functions.Observability;

namespace Serverless.Functions.Http;

/// <summary>
/// Worker middleware around every function: an HTTP function's exception becomes the problem+json response of
/// <see cref="ProblemDetailsMapper"/>, written to the request's <see cref="HttpContext"/>; requests are measured. Non-HTTP
/// functions' exceptions are rethrown so the platform's retries apply. Needs nothing from the host but the
/// <see cref="FunctionContext"/> (<see cref="FunctionContext.InvocationId"/>, <see cref="FunctionContext.FunctionDefinition"/>'s
/// name) and <c>context.GetHttpContext()</c>, so any host that builds those runs this very code.
/// </summary>
public sealed class ProblemDetailsMiddleware(FunctionsMetrics metrics, ILogger<ProblemDetailsMiddleware> logger) : IFunctionsWorkerMiddleware
{
    /// <inheritdoc />
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        var httpContext = context.GetHttpContext();
        if (httpContext is null)
        {
            await next(context);
            return;
        }

        var function = context.FunctionDefinition.Name;
        var started = Stopwatch.GetTimestamp();

        // The status is final only once the response is done: a returned result is executed after this middleware.
        httpContext.Response.OnCompleted(() =>
        {
            metrics.Request(function, httpContext.Response.StatusCode, Stopwatch.GetElapsedTime(started));
            return Task.CompletedTask;
        });

        try
        {
            await next(context);
        }
        catch (OperationCanceledException) when (httpContext.RequestAborted.IsCancellationRequested)
        {
            // The caller went away; nobody is left to read a response.
            Log.RequestAborted(logger, function, context.InvocationId);
            httpContext.Response.StatusCode = 499;
        }
        catch (Exception e)
        {
            var problem = ProblemDetailsMapper.Map(e, httpContext.Request.Path, context.InvocationId);
            if (problem.IsServerFault)
            {
                Log.UnexpectedFailure(logger, e, function, context.InvocationId);
            }
            else
            {
                Log.RequestRefused(logger, function, problem.Status, problem.Body.Type, context.InvocationId);
                metrics.Refused(function, problem.Body.Type!);
            }

            if (httpContext.Response.HasStarted)
            {
                // Part of a response is already on the wire: the connection can only be cut.
                Log.ResponseAlreadyStarted(logger, function, context.InvocationId);
                httpContext.Abort();
                return;
            }

            httpContext.Response.Clear();
            await problem.ToActionResult().WriteAsync(httpContext.Response, httpContext.RequestAborted);
        }
    }
}
