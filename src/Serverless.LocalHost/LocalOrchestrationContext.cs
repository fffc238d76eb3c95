using System.Text.Json;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Entities;

namespace Serverless.LocalHost;

/// <summary>
/// The orchestration context an orchestrator function gets, as the Durable extension's own wrapper gives it: everything is
/// the worker's context, except that <see cref="GetInput{T}"/> converts to whatever type the function asks for (a function
/// declares no input type, so the worker deserialized the input as a JSON element).
/// </summary>
internal sealed class LocalOrchestrationContext(TaskOrchestrationContext inner, JsonSerializerOptions json, ILoggerFactory loggerFactory)
    : TaskOrchestrationContext
{
    private object? _input;
    private bool _hasInput;

    public override TaskName Name => inner.Name;

    public override string InstanceId => inner.InstanceId;

    public override ParentOrchestrationInstance? Parent => inner.Parent;

    public override DateTime CurrentUtcDateTime => inner.CurrentUtcDateTime;

    public override bool IsReplaying => inner.IsReplaying;

    public override string Version => inner.Version;

    public override IReadOnlyDictionary<string, object?> Properties => inner.Properties;

    public override TaskOrchestrationEntityFeature Entities => inner.Entities;

    protected override ILoggerFactory LoggerFactory => loggerFactory;

    public override T? GetInput<T>() where T : default
    {
        if (!_hasInput)
        {
            _input = inner.GetInput<object>();
            _hasInput = true;
        }

        return _input switch
        {
            null => default,
            T typed => typed,
            JsonElement element => element.Deserialize<T>(json),
            var other => JsonSerializer.Deserialize<T>(JsonSerializer.SerializeToElement(other, json), json),
        };
    }

    public override Task<TResult> CallActivityAsync<TResult>(TaskName name, object? input = null, TaskOptions? options = null) =>
        inner.CallActivityAsync<TResult>(name, input, options);

    public override Task<TResult> CallSubOrchestratorAsync<TResult>(TaskName orchestratorName, object? input = null, TaskOptions? options = null) =>
        inner.CallSubOrchestratorAsync<TResult>(orchestratorName, input, options);

    public override Task CreateTimer(DateTime fireAt, CancellationToken cancellationToken) => inner.CreateTimer(fireAt, cancellationToken);

    public override Task<T> WaitForExternalEvent<T>(string eventName, CancellationToken cancellationToken = default) =>
        inner.WaitForExternalEvent<T>(eventName, cancellationToken);

    public override void SendEvent(string instanceId, string eventName, object payload) => inner.SendEvent(instanceId, eventName, payload);

    public override void SetCustomStatus(object? customStatus) => inner.SetCustomStatus(customStatus);

    public override void ContinueAsNew(object? newInput = null, bool preserveUnprocessedEvents = true) =>
        inner.ContinueAsNew(newInput, preserveUnprocessedEvents);

    public override Guid NewGuid() => inner.NewGuid();
}
