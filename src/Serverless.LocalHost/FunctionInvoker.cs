using System.Collections;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using Azure.Storage.Queues.Models;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.DurableTask;
using Microsoft.Extensions.Options;

namespace Serverless.LocalHost;

/// <summary>
/// Runs one invocation: a service scope, the <see cref="FunctionContext"/>, the app's middleware pipeline ending in the
/// function method, then the outputs (queue output bindings, the HTTP result) — the trigger plumbing and nothing else.
/// Thread-safe.
/// </summary>
internal sealed class FunctionInvoker
{
    private readonly FunctionExecutionDelegate _pipeline;
    private readonly IServiceScopeFactory _scopes;
    private readonly QueueClients _queues;
    private readonly JsonSerializerOptions _json;
    private readonly ILoggerFactory _loggers;
    private readonly ConcurrentDictionary<string, ILogger> _invocationLoggers = new(StringComparer.Ordinal);

    public FunctionInvoker(LocalWorkerApplicationBuilder worker, IServiceScopeFactory scopes, QueueClients queues,
        IOptions<JsonSerializerOptions> json, ILoggerFactory loggers)
    {
        _pipeline = worker.Build(ExecuteAsync);
        _scopes = scopes;
        _queues = queues;
        _json = json.Value;
        _loggers = loggers;
    }

    /// <summary>
    /// The category of a function's Executing/Executed lines, as under the Functions host: <c>Function.{name}</c>, so
    /// host.json's <c>"Function"</c> level governs them.
    /// </summary>
    public static string InvocationCategory(string functionName) => "Function." + functionName;

    /// <summary>Invokes an HTTP function for a request and writes its response.</summary>
    public async Task InvokeHttpAsync(LocalFunction function, HttpContext http)
    {
        await using var scope = _scopes.CreateAsyncScope();
        // As in the worker: the request resolves services from the invocation's scope.
        http.RequestServices = scope.ServiceProvider;
        var context = LocalFunctionContext.ForHttp(function, http, scope.ServiceProvider);
        var started = Stopwatch.GetTimestamp();
        var logger = InvocationLogger(function);
        if (logger.IsEnabled(LogLevel.Information))
        {
            Log.Executing(logger, function.Name, $"HTTP {http.Request.Method} {http.Request.Path}", context.InvocationId);
        }

        try
        {
            await _pipeline(context);
            await WriteQueueOutputsAsync(context);
            if (!await TryWriteHttpResultAsync(context, http) && !http.Response.HasStarted)
            {
                Log.NoHttpResponse(logger, function.Name, context.InvocationId);
            }

            Log.Executed(logger, function.Name, context.InvocationId, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (Exception exception)
        {
            // Like the Functions host: an exception that leaves the app's pipeline is a bare 500.
            Log.Failed(logger, exception, function.Name, context.InvocationId, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            if (!http.Response.HasStarted)
            {
                http.Response.Clear();
                http.Response.StatusCode = StatusCodes.Status500InternalServerError;
            }
        }
    }

    /// <summary>Invokes a queue function for one message; throws when the invocation fails.</summary>
    public async Task InvokeQueueAsync(LocalFunction function, QueueMessage message, string queueName, CancellationToken cancellationToken)
    {
        await using var scope = _scopes.CreateAsyncScope();
        var context = LocalFunctionContext.ForQueue(function, message, scope.ServiceProvider, cancellationToken);
        var started = Stopwatch.GetTimestamp();
        var logger = InvocationLogger(function);
        if (logger.IsEnabled(LogLevel.Information))
        {
            Log.Executing(logger, function.Name, $"New queue message on '{queueName}' (attempt {message.DequeueCount})", context.InvocationId);
        }

        try
        {
            await _pipeline(context);
            await WriteQueueOutputsAsync(context);
            Log.Executed(logger, function.Name, context.InvocationId, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (Exception exception)
        {
            Log.Failed(logger, exception, function.Name, context.InvocationId, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            throw;
        }
    }

    /// <summary>
    /// Invokes an activity function, through the app's middleware like any other trigger, and gives its result; throws
    /// when the invocation fails (the worker reports the failure to the orchestration).
    /// </summary>
    public async Task<object?> InvokeActivityAsync(LocalFunction function, object? input, string instanceId, CancellationToken cancellationToken)
    {
        await using var scope = _scopes.CreateAsyncScope();
        var context = LocalFunctionContext.ForActivity(function, input, instanceId, scope.ServiceProvider, cancellationToken);
        var started = Stopwatch.GetTimestamp();
        var logger = InvocationLogger(function);
        Log.Executing(logger, function.Name, $"Activity of orchestration '{instanceId}'", context.InvocationId);
        try
        {
            await _pipeline(context);
            await WriteQueueOutputsAsync(context);
            Log.Executed(logger, function.Name, context.InvocationId, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return context.Bindings.InvocationResult;
        }
        catch (Exception exception)
        {
            Log.Failed(logger, exception, function.Name, context.InvocationId, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            throw;
        }
    }

    /// <summary>
    /// Runs one episode of an orchestrator function and gives its result. No middleware, no logging and no awaits of its own:
    /// the orchestrator replays, and everything it awaits must stay on the orchestration's thread.
    /// </summary>
    public static async Task<object?> InvokeOrchestratorAsync(LocalFunction function, TaskOrchestrationContext orchestration, IServiceProvider services)
    {
        var context = LocalFunctionContext.ForOrchestration(function, orchestration, services);
        await ExecuteAsync(context);
        return context.Bindings.InvocationResult;
    }

    private ILogger InvocationLogger(LocalFunction function) =>
        _invocationLoggers.GetOrAdd(function.Name, static (name, loggers) => loggers.CreateLogger(InvocationCategory(name)), _loggers);

    // The end of the pipeline, where the worker's FunctionExecutionMiddleware and OutputBindingsMiddleware sit.
    private static async Task ExecuteAsync(FunctionContext context)
    {
        if (context is not LocalFunctionContext local)
        {
            throw new InvalidOperationException("A middleware replaced the FunctionContext; the local host can only invoke its own.");
        }

        var function = local.Function;
        var arguments = new object?[function.Parameters.Count];
        for (var i = 0; i < arguments.Length; i++)
        {
            arguments[i] = await function.Parameters[i].Bind(local);
        }

        var instance = function.Method.IsStatic ? null : function.CreateInstance(local.InstanceServices);
        var returned = function.Method.Invoke(instance, BindingFlags.DoNotWrapExceptions, binder: null, arguments, culture: null);
        var result = await function.AwaitResultAsync(returned);
        local.Bindings.InvocationResult = result;
        foreach (var output in function.Outputs)
        {
            local.Bindings.OutputBindingData[output.Name] = output.Select(result);
        }
    }

    private async Task WriteQueueOutputsAsync(LocalFunctionContext context)
    {
        foreach (var output in context.Function.Outputs)
        {
            if (output.BindingType != "queue" || !context.Bindings.OutputBindingData.TryGetValue(output.Name, out var value) || value is null)
            {
                continue;
            }

            var queueName = _queues.ResolveName(output.QueueName!, context.Function.Name);
            var queue = await _queues.GetCreatedAsync(output.Connection, queueName, context.CancellationToken);
            foreach (var message in Messages(value))
            {
                await queue.SendMessageAsync(message, cancellationToken: context.CancellationToken);
            }
        }
    }

    // As the queue output binding does: text and bytes as they are, a collection as one message per item, anything else as JSON.
    private IEnumerable<BinaryData> Messages(object value) => value switch
    {
        string text => [BinaryData.FromString(text)],
        byte[] bytes => [BinaryData.FromBytes(bytes)],
        BinaryData data => [data],
        IEnumerable items and not IDictionary => items.Cast<object?>().OfType<object>().SelectMany(Messages),
        _ => [BinaryData.FromString(JsonSerializer.Serialize(value, value.GetType(), _json))],
    };

    // As the worker's ASP.NET Core integration does after the pipeline: the invocation result, else the [HttpResult] output.
    private static async Task<bool> TryWriteHttpResultAsync(LocalFunctionContext context, HttpContext http)
    {
        if (await TryExecuteAsync(context.Bindings.InvocationResult, http))
        {
            return true;
        }

        var output = context.Function.Outputs.FirstOrDefault(o => o.BindingType == "http");
        return output is not null && context.Bindings.OutputBindingData.TryGetValue(output.Name, out var value)
            && await TryExecuteAsync(value, http);
    }

    private static async Task<bool> TryExecuteAsync(object? result, HttpContext http)
    {
        switch (result)
        {
            case IActionResult action:
                await action.ExecuteResultAsync(new ActionContext(http, http.GetRouteData(), new ActionDescriptor()));
                return true;
            case IResult httpResult:
                await httpResult.ExecuteAsync(http);
                return true;
            default:
                return false;
        }
    }
}
