using Microsoft.DurableTask;

namespace Serverless.LocalHost;

/// <summary>
/// An activity function as the Durable Task worker runs it: through the same invocation path as other triggers (a service
/// scope, the app's middleware, output bindings). A failure reaches the orchestrator as a <c>TaskFailedException</c>.
/// </summary>
internal sealed class FunctionActivity(LocalFunction function, FunctionInvoker invoker, IHostApplicationLifetime lifetime) : ITaskActivity
{
    public Type InputType => ((ActivityFunctionTrigger)function.Trigger).InputType;

    public Type OutputType => OutputBinding.ResultType(function.Method.ReturnType) ?? typeof(object);

    public Task<object?> RunAsync(TaskActivityContext context, object? input) =>
        invoker.InvokeActivityAsync(function, input, context.InstanceId, lifetime.ApplicationStopping);
}
