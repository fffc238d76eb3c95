using System.Collections;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Reflection;
using Azure.Storage.Queues.Models;
using Microsoft.AspNetCore.Http;
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

/// <summary>The metadata a queue trigger offers for binding by parameter name, as the queue extension names it.</summary>
internal static class QueueMetadata
{
    public static readonly string[] Names = ["QueueTrigger", "DequeueCount", "Id", "PopReceipt", "InsertionTime", "ExpirationTime", "NextVisibleTime"];

    public static IReadOnlyDictionary<string, object?> Of(QueueMessage message) =>
        new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase)
        {
            ["QueueTrigger"] = message.Body?.ToString(),
            ["DequeueCount"] = message.DequeueCount,
            ["Id"] = message.MessageId,
            ["PopReceipt"] = message.PopReceipt,
            ["InsertionTime"] = message.InsertedOn,
            ["ExpirationTime"] = message.ExpiresOn,
            ["NextVisibleTime"] = message.NextVisibleOn,
        };
}

/// <summary>
/// Implements the worker's internal binding feature (invocation result and output binding data) so the worker's own public
/// extensions — <c>GetInvocationResult()</c>, <c>GetOutputBindings()</c> — work in middleware run by the local host.
/// </summary>
// DispatchProxy derives a type from this one at run time: it cannot be sealed.
#pragma warning disable CA1852
internal class FunctionBindingsProxy : DispatchProxy
#pragma warning restore CA1852
{
    public static readonly Type FeatureType = typeof(FunctionContext).Assembly
        .GetType("Microsoft.Azure.Functions.Worker.Context.Features.IFunctionBindingsFeature", throwOnError: false)
        ?? throw new InvalidOperationException(
            "This version of Microsoft.Azure.Functions.Worker.Core has no IFunctionBindingsFeature: update the local host.");

    private IReadOnlyDictionary<string, object?> _triggerMetadata = ImmutableDictionary<string, object?>.Empty;

    public object? InvocationResult { get; set; }

    public Dictionary<string, object?> OutputBindingData { get; } = new(StringComparer.OrdinalIgnoreCase);

    public static FunctionBindingsProxy Create(IReadOnlyDictionary<string, object?> triggerMetadata)
    {
        var proxy = (FunctionBindingsProxy)DispatchProxy.Create(FeatureType, typeof(FunctionBindingsProxy));
        proxy._triggerMetadata = triggerMetadata;
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        switch (targetMethod?.Name)
        {
            case "get_InvocationResult":
                return InvocationResult;
            case "set_InvocationResult":
                InvocationResult = args![0];
                return null;
            case "get_OutputBindingData":
                return OutputBindingData;
            case "get_TriggerMetadata" or "get_InputData":
                return _triggerMetadata;
            case "get_OutputBindingsInfo":
                // Output binding values are collected by the local host itself after the function returns.
                return null;
            default:
                throw new NotSupportedException($"The local host does not provide IFunctionBindingsFeature.{targetMethod?.Name}.");
        }
    }
}

internal sealed class LocalInvocationFeatures : IInvocationFeatures
{
    private readonly Dictionary<Type, object> _features = [];

    public T? Get<T>() => _features.TryGetValue(typeof(T), out var feature) ? (T)feature : default;

    public void Set<T>(T instance) => Set(typeof(T), instance);

    public void Set(Type type, object? instance)
    {
        if (instance is null)
        {
            _features.Remove(type);
        }
        else
        {
            _features[type] = instance;
        }
    }

    public IEnumerator<KeyValuePair<Type, object>> GetEnumerator() => _features.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

internal sealed class LocalBindingContext(IReadOnlyDictionary<string, object?> bindingData) : BindingContext
{
    public override IReadOnlyDictionary<string, object?> BindingData => bindingData;
}

// Queue, HTTP and Durable triggers have no function retry policy: the worker reports no retries for them.
internal sealed class LocalRetryContext : RetryContext
{
    public override int RetryCount => 0;

    public override int MaxRetryCount => 0;
}

internal sealed class LocalTraceContext(Activity? activity) : TraceContext
{
    public override string TraceParent { get; } = activity?.Id ?? string.Empty;

    public override string TraceState { get; } = activity?.TraceStateString ?? string.Empty;
}

internal sealed class LocalFunctionDefinition(LocalFunction function) : FunctionDefinition
{
    private const string HttpBindingType = "http";

    public override ImmutableArray<FunctionParameter> Parameters { get; } =
        [.. function.Method.GetParameters().Select(p => new FunctionParameter(p.Name ?? string.Empty, p.ParameterType))];

    public override string PathToAssembly => function.Method.DeclaringType!.Assembly.Location;

    public override string EntryPoint => $"{function.Method.DeclaringType!.FullName}.{function.Method.Name}";

    public override string Id { get; } = function.Name;

    public override string Name => function.Name;

    public override IImmutableDictionary<string, BindingMetadata> InputBindings { get; } =
        ImmutableDictionary<string, BindingMetadata>.Empty.Add(function.Trigger.ParameterName,
            new LocalBindingMetadata(function.Trigger.ParameterName, function.Trigger.BindingType, BindingDirection.In));

    public override IImmutableDictionary<string, BindingMetadata> OutputBindings { get; } = OutputsOf(function);

    private static ImmutableDictionary<string, BindingMetadata> OutputsOf(LocalFunction function)
    {
        var outputs = function.Outputs.ToImmutableDictionary(o => o.Name,
            o => (BindingMetadata)new LocalBindingMetadata(o.Name, o.BindingType, BindingDirection.Out));
        // The worker's metadata gives an HTTP function an http "$return" binding unless an [HttpResult] property replaces it.
        return function.Trigger is HttpFunctionTrigger && !outputs.ContainsKey(OutputBinding.ReturnName)
            && !outputs.Values.Any(o => o.Type == HttpBindingType)
            ? outputs.Add(OutputBinding.ReturnName, new LocalBindingMetadata(OutputBinding.ReturnName, HttpBindingType, BindingDirection.Out))
            : outputs;
    }
}

internal sealed class LocalBindingMetadata(string name, string type, BindingDirection direction) : BindingMetadata
{
    public override string Name => name;

    public override string Type => type;

    public override BindingDirection Direction => direction;
}
