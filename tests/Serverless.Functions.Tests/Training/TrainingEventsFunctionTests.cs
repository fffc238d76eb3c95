using Microsoft.DurableTask;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.Functions.Training;

namespace Serverless.Functions.Tests.Training;

/// <summary>The training-events function on the Durable Task test host: a trainer's message reaches the waiting run.</summary>
public sealed class TrainingEventsFunctionTests
{
    [Fact(Timeout = 60_000)]
    public async Task Run_TrainerMessage_RaisesTheEventTheRunWaitsFor()
    {
        await using var host = await DurableTaskTestHost.StartAsync(registry =>
            registry.AddOrchestratorFunc<object?, string>(TrainingOrchestration.Name, async (context, _) =>
            {
                var ended = await context.WaitForExternalEvent<TrainerEnded>(TrainingOrchestration.TrainerEndedEvent);
                return $"{ended.Status}: {ended.Error}";
            }));
        var runId = "run-" + Guid.NewGuid().ToString("N")[..8];
        await host.Client.ScheduleNewOrchestrationInstanceAsync(TrainingOrchestration.Name, null, new StartOrchestrationOptions(runId));
        var function = new TrainingEventsFunction(NullLogger<TrainingEventsFunction>.Instance);

        await function.Run($$"""{"runId":"{{runId}}","status":"Failed","error":"line 3: no label"}""", host.Client, CancellationToken.None);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var instance = await host.Client.WaitForInstanceCompletionAsync(runId, getInputsAndOutputs: true, timeout.Token);

        Assert.Equal("Failed: line 3: no label", instance.ReadOutputAs<string>());
    }

    [Theory(Timeout = 60_000)]
    [InlineData("not json")]
    [InlineData("{\"status\":\"Succeeded\"}")]
    [InlineData("{\"runId\":\"../etc\",\"status\":\"Succeeded\"}")]
    [InlineData("{\"runId\":\"no-such-run\",\"status\":\"Succeeded\"}")]
    public async Task Run_MessageNamingNoRun_IsDroppedWithoutFailing(string message)
    {
        await using var host = await DurableTaskTestHost.StartAsync(_ => { });
        var function = new TrainingEventsFunction(NullLogger<TrainingEventsFunction>.Instance);

        // A message that can never be delivered must not be retried into the poison queue.
        await function.Run(message, host.Client, CancellationToken.None);

        Assert.Null(await host.Client.GetInstanceAsync("no-such-run"));
    }
}
