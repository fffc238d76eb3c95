using System.Net;
using System.Net.Http.Json;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Serverless.LocalHost.Tests.Samples;
using Serverless.LocalHost.Tests.Support;
using Serverless.Testing;

namespace Serverless.LocalHost.Tests;

/// <summary>The sample's durable functions on the local host's Durable Task engine, on a real Azurite, each test with its own task hub.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class DurableFunctionTests(AzuriteFixture azurite)
{
    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task Orchestration_StartedOverHttp_RunsItsActivityThroughTheMiddleware_WaitsForTheEvent_ThenCompletes()
    {
        var timeout = AzuriteFixture.TestTimeout();
        await using var host = await SampleHost.StartAsync(azurite);
        Assert.Contains(host.Host.Catalog.Functions, f => f.Name == SampleDurableFunctions.Orchestrator && f.Trigger is OrchestrationFunctionTrigger);
        Assert.Contains(host.Host.Catalog.Functions, f => f.Name == "Greet" && f.Trigger is ActivityFunctionTrigger);

        var instanceId = await StartAsync(host, "ada", fail: false, timeout);
        var waiting = await WaitForAsync(host, instanceId, s => s.CustomStatus == SampleDurableFunctions.WaitingStatus, timeout);
        Assert.Equal(nameof(OrchestrationRuntimeStatus.Running), waiting.RuntimeStatus);

        using var approved = await host.Http.PostAsync($"sample/greetings/{instanceId}/approve?by=grace", null, timeout);
        Assert.Equal(HttpStatusCode.Accepted, approved.StatusCode);
        var completed = await WaitForAsync(host, instanceId, s => s.RuntimeStatus != nameof(OrchestrationRuntimeStatus.Running), timeout);

        Assert.Equal(nameof(OrchestrationRuntimeStatus.Completed), completed.RuntimeStatus);
        Assert.Equal($"Hello ada (middleware ran); approved by grace in {SampleDurableFunctions.Orchestrator}", completed.Output);
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task Orchestration_WaitingForItsEvent_SurvivesAHostRestart_AndCompletesOnTheNewHost()
    {
        var timeout = AzuriteFixture.TestTimeout();
        var hub = $"--SampleHub={SampleHost.UniqueHubName()}";
        string instanceId;
        await using (var first = await SampleHost.StartAsync(azurite, arguments: hub))
        {
            instanceId = await StartAsync(first, "lin", fail: false, timeout);
            await WaitForAsync(first, instanceId, s => s.CustomStatus == SampleDurableFunctions.WaitingStatus, timeout);
        }

        await using var second = await SampleHost.StartAsync(azurite, arguments: hub);
        var before = await WaitForAsync(second, instanceId, _ => true, timeout);
        Assert.Equal(nameof(OrchestrationRuntimeStatus.Running), before.RuntimeStatus);

        using var approved = await second.Http.PostAsync($"sample/greetings/{instanceId}/approve?by=restart", null, timeout);
        Assert.Equal(HttpStatusCode.Accepted, approved.StatusCode);
        var completed = await WaitForAsync(second, instanceId, s => s.RuntimeStatus != nameof(OrchestrationRuntimeStatus.Running), timeout);

        Assert.Equal(nameof(OrchestrationRuntimeStatus.Completed), completed.RuntimeStatus);
        Assert.Equal($"Hello lin (middleware ran); approved by restart in {SampleDurableFunctions.Orchestrator}", completed.Output);
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task Orchestration_ActivityThrows_TheOrchestratorSeesATaskFailure()
    {
        var timeout = AzuriteFixture.TestTimeout();
        await using var host = await SampleHost.StartAsync(azurite);

        var instanceId = await StartAsync(host, "bob", fail: true, timeout);
        var completed = await WaitForAsync(host, instanceId, s => s.RuntimeStatus != nameof(OrchestrationRuntimeStatus.Running)
            && s.RuntimeStatus != nameof(OrchestrationRuntimeStatus.Pending), timeout);

        Assert.Equal(nameof(OrchestrationRuntimeStatus.Completed), completed.RuntimeStatus);
        Assert.Equal("greeting failed: no greeting for bob", completed.Output);
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task DurableClient_InTheHost_UsesHostJsonsTaskHub()
    {
        var timeout = AzuriteFixture.TestTimeout();
        var hub = SampleHost.UniqueHubName();
        await using var host = await SampleHost.StartAsync(azurite, arguments: $"--SampleHub={hub}");

        var instanceId = await StartAsync(host, "eve", fail: false, timeout);

        Assert.Equal(hub, host.Host.HostJson.DurableTask.HubName);
        var client = host.Host.Services.GetRequiredService<DurableTaskClient>();
        Assert.NotNull(await client.GetInstanceAsync(instanceId, getInputsAndOutputs: false, timeout));
        // The Azure Storage backend's layout: the task hub's instances table holds the run.
        var tables = new Azure.Data.Tables.TableServiceClient(azurite.ConnectionString);
        var instances = tables.GetTableClient($"{hub}Instances");
        Assert.NotNull(await instances.GetEntityIfExistsAsync<Azure.Data.Tables.TableEntity>(instanceId, "", cancellationToken: timeout));
    }

    private static async Task<string> StartAsync(SampleHost host, string name, bool fail, CancellationToken cancellationToken)
    {
        using var started = await host.Http.PostAsync($"sample/greetings/{name}?fail={(fail ? "true" : "false")}", null, cancellationToken);
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var body = await started.Content.ReadFromJsonAsync<StartedResponse>(cancellationToken);
        return body!.InstanceId;
    }

    private static async Task<GreetingStatusResponse> WaitForAsync(SampleHost host, string instanceId, Func<GreetingStatusResponse, bool> condition,
        CancellationToken cancellationToken)
    {
        while (true)
        {
            using var response = await host.Http.GetAsync($"sample/greetings/{instanceId}", cancellationToken);
            if (response.StatusCode == HttpStatusCode.OK
                && await response.Content.ReadFromJsonAsync<GreetingStatusResponse>(cancellationToken) is { } status && condition(status))
            {
                return status;
            }

            await Task.Delay(200, cancellationToken);
        }
    }

    private sealed record StartedResponse(string InstanceId);
}
