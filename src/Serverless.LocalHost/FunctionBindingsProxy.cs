using System.Collections.Immutable;
using System.Reflection;
using Microsoft.Azure.Functions.Worker;

namespace Serverless.LocalHost;

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
