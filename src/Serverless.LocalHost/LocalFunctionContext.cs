using System.Diagnostics;
using Azure.Storage.Queues.Models;
using Microsoft.Azure.Functions.Worker;
using TaskOrchestrationContext = Microsoft.DurableTask.TaskOrchestrationContext;

namespace Serverless.LocalHost;

/// <summary>
/// The <see cref="FunctionContext"/> of one local invocation: what the worker would give the app's middleware and functions
/// (invocation id, definition, a service scope, items, features, cancellation), plus the trigger payload for binding.
/// </summary>
internal sealed class LocalFunctionContext : FunctionContext
{
    // The key under which the worker's ASP.NET Core integration stores the request's HttpContext; its public
    // GetHttpContext() extension reads it from Items (Worker.Extensions.Http.AspNetCore, Constants.HttpContextKey).
    internal const string HttpContextKey = "HttpRequestContext";

    private readonly LocalInvocationFeatures _features = new();

    public LocalFunctionContext(LocalFunction function, IServiceProvider services, IReadOnlyDictionary<string, object?> bindingData,
        CancellationToken cancellationToken)
    {
        Function = function;
        InstanceServices = services;
        CancellationToken = cancellationToken;
        BindingContext = new LocalBindingContext(bindingData);
        Bindings = FunctionBindingsProxy.Create(bindingData);
        _features.Set(FunctionBindingsProxy.FeatureType, Bindings);
    }

    public LocalFunction Function { get; }

    /// <summary>The request, for HTTP triggers.</summary>
    public HttpContext? HttpContext { get; private init; }

    /// <summary>The message, for queue triggers.</summary>
    public QueueMessage? QueueMessage { get; private init; }

    /// <summary>The orchestration context, for orchestrators.</summary>
    public TaskOrchestrationContext? Orchestration { get; private init; }

    /// <summary>The deserialized input, for activities.</summary>
    public object? ActivityInput { get; private init; }

    /// <summary>The invocation result and output binding values, as the worker's binding feature holds them.</summary>
    public FunctionBindingsProxy Bindings { get; }

    public override string InvocationId { get; } = Guid.NewGuid().ToString();

    public override string FunctionId => Function.Definition.Id;

    public override TraceContext TraceContext { get; } = new LocalTraceContext(Activity.Current);

    public override BindingContext BindingContext { get; }

    public override RetryContext RetryContext { get; } = new LocalRetryContext();

    public override IServiceProvider InstanceServices { get; set; }

    public override FunctionDefinition FunctionDefinition => Function.Definition;

    public override IDictionary<object, object> Items { get; set; } = new Dictionary<object, object>();

    public override IInvocationFeatures Features => _features;

    public override CancellationToken CancellationToken { get; }

    public static LocalFunctionContext ForHttp(LocalFunction function, HttpContext httpContext, IServiceProvider services)
    {
        var bindingData = httpContext.Request.RouteValues.ToDictionary(p => p.Key, p => p.Value, StringComparer.OrdinalIgnoreCase);
        var context = new LocalFunctionContext(function, services, bindingData, httpContext.RequestAborted) { HttpContext = httpContext };
        context.Items[HttpContextKey] = httpContext;
        return context;
    }

    public static LocalFunctionContext ForQueue(LocalFunction function, QueueMessage message, IServiceProvider services,
        CancellationToken cancellationToken)
    {
        var bindingData = QueueMetadata.Of(message);
        return new LocalFunctionContext(function, services, bindingData, cancellationToken) { QueueMessage = message };
    }

    public static LocalFunctionContext ForOrchestration(LocalFunction function, TaskOrchestrationContext orchestration, IServiceProvider services)
    {
        var bindingData = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase) { ["InstanceId"] = orchestration.InstanceId };
        return new LocalFunctionContext(function, services, bindingData, CancellationToken.None) { Orchestration = orchestration };
    }

    public static LocalFunctionContext ForActivity(LocalFunction function, object? input, string instanceId, IServiceProvider services,
        CancellationToken cancellationToken)
    {
        var bindingData = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase) { ["InstanceId"] = instanceId };
        return new LocalFunctionContext(function, services, bindingData, cancellationToken) { ActivityInput = input };
    }
}
