using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Client.Grpc;
using Microsoft.DurableTask.Converters;
using Microsoft.DurableTask.Worker;
using Microsoft.DurableTask.Worker.Grpc;
using Microsoft.Extensions.Options;
using System.Text.Json;

namespace Serverless.LocalHost;

/// <summary>
/// Registers durable functions with the local host, in start order: the engine (<see cref="DurableTaskEngine"/>), then a
/// Durable Task worker that runs every orchestrator and activity function by its function name, then the client that
/// <c>[DurableClient]</c> parameters receive. All use the app's JSON settings, as the Durable extension uses the worker's.
/// </summary>
internal static class DurableTaskHosting
{
    public static void AddDurableFunctions(this IServiceCollection services, FunctionCatalog catalog)
    {
        services.AddSingleton<DurableTaskEngine>();
        services.AddHostedService(sp => sp.GetRequiredService<DurableTaskEngine>());

        var orchestrators = catalog.Functions.Where(f => f.Trigger is OrchestrationFunctionTrigger).ToList();
        var activities = catalog.Functions.Where(f => f.Trigger is ActivityFunctionTrigger).ToList();
        if (orchestrators.Count + activities.Count > 0)
        {
            services.AddDurableTaskWorker(worker =>
            {
                worker.UseGrpc();
                worker.Services.AddOptions<GrpcDurableTaskWorkerOptions>(worker.Name)
                    .Configure<DurableTaskEngine>((options, engine) => options.Channel = engine.Channel);
                worker.Services.AddOptions<DurableTaskWorkerOptions>(worker.Name)
                    .Configure<IOptions<JsonSerializerOptions>>((options, json) => options.DataConverter = new JsonDataConverter(json.Value));
                worker.Services.AddOptions<DurableTaskRegistry>(worker.Name).Configure<IServiceProvider>((registry, sp) =>
                {
                    foreach (var function in orchestrators)
                    {
                        registry.AddOrchestrator(function.Name, () => new FunctionOrchestrator(function, sp));
                    }

                    foreach (var function in activities)
                    {
                        registry.AddActivity(function.Name, _ => new FunctionActivity(function, sp.GetRequiredService<FunctionInvoker>(),
                            sp.GetRequiredService<IHostApplicationLifetime>()));
                    }
                });
            });
        }

        services.AddDurableTaskClient(client =>
        {
            client.UseGrpc();
            client.Services.AddOptions<GrpcDurableTaskClientOptions>(client.Name)
                .Configure<DurableTaskEngine>((options, engine) => options.Channel = engine.Channel);
            client.Services.AddOptions<DurableTaskClientOptions>(client.Name)
                .Configure<IOptions<JsonSerializerOptions>>((options, json) => options.DataConverter = new JsonDataConverter(json.Value));
            client.RegisterDirectly();
        });
    }
}
