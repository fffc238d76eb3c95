using System.Text.Json;
using Microsoft.DurableTask;
using Microsoft.Extensions.Options;

namespace Serverless.LocalHost;

/// <summary>
/// An orchestrator function as the Durable Task worker runs it: the method is invoked directly with the orchestration
/// context on every replay, without middleware, and its return value is the orchestration's output.
/// </summary>
internal sealed class FunctionOrchestrator(LocalFunction function, IServiceProvider services) : ITaskOrchestrator
{
    // As in the Durable extension: the input stays a JSON element until the function asks for its type.
    public Type InputType => typeof(object);

    public Type OutputType => typeof(object);

    public async Task<object?> RunAsync(TaskOrchestrationContext context, object? input)
    {
        var wrapped = new LocalOrchestrationContext(context, services.GetRequiredService<IOptions<JsonSerializerOptions>>().Value,
            services.GetRequiredService<ILoggerFactory>());
        // Synchronous disposal: an orchestrator must not leave the orchestration's thread.
        using var scope = services.CreateScope();
        return await FunctionInvoker.InvokeOrchestratorAsync(function, wrapped, scope.ServiceProvider);
    }
}
