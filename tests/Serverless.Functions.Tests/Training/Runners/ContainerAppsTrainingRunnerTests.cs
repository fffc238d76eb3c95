using Azure.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.Functions.Training.Runners;

namespace Serverless.Functions.Tests.Training.Runners;

public sealed class ContainerAppsTrainingRunnerTests : IAsyncLifetime
{
    private FakeArm _arm = null!;
    private ServiceProvider _services = null!;

    public async Task InitializeAsync()
    {
        _arm = await FakeArm.StartAsync();
        _services = new ServiceCollection().AddHttpClient().BuildServiceProvider();
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _arm.DisposeAsync();
    }

    [Fact(Timeout = 30_000)]
    public async Task Start_PostsTheWholeTrainerContainerWithTheBearerToken()
    {
        var runner = Runner();

        var execution = await runner.StartAsync("run-1", CancellationToken.None);

        Assert.Equal("exec-1", execution);
        var request = Assert.Single(_arm.Requests);
        Assert.Equal(("POST", $"{FakeArm.JobPath}/start", "2025-07-01", "Bearer token-for-https://management.azure.com/.default"),
            (request.Method, request.Path, request.ApiVersion, request.Authorization));
        var container = Assert.Single(request.Body!["containers"]!.AsArray())!;
        Assert.Equal("trainer", container["name"]!.GetValue<string>());
        Assert.Equal("crtest.azurecr.io/trainer:7", container["image"]!.GetValue<string>());
        Assert.Equal(["run", "--run-id", "run-1", "--device", "cuda"], container["args"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.Equal(8, container["resources"]!["cpu"]!.GetValue<double>());
        Assert.Equal("56Gi", container["resources"]!["memory"]!.GetValue<string>());
        var env = container["env"]!.AsArray().ToDictionary(e => e!["name"]!.GetValue<string>(), e => e!["value"]!.GetValue<string>());
        Assert.Equal(new Dictionary<string, string>
        {
            ["AzureWebJobsStorage__blobServiceUri"] = "https://sttest.blob.core.windows.net",
            ["AzureWebJobsStorage__queueServiceUri"] = "https://sttest.queue.core.windows.net",
            ["AzureWebJobsStorage__credential"] = "managedidentity",
            ["AzureWebJobsStorage__clientId"] = "trainer-client-id",
            ["AZURE_CLIENT_ID"] = "trainer-client-id",
            ["Registry__Container"] = "models",
        }, env);
    }

    [Theory(Timeout = 30_000)]
    [InlineData("Running", TrainerExecutionState.Running)]
    [InlineData("Processing", TrainerExecutionState.Running)]
    [InlineData("Unknown", TrainerExecutionState.Running)]
    [InlineData("Succeeded", TrainerExecutionState.Succeeded)]
    [InlineData("Failed", TrainerExecutionState.Failed)]
    [InlineData("Degraded", TrainerExecutionState.Failed)]
    [InlineData("Stopped", TrainerExecutionState.Stopped)]
    public async Task GetState_MapsTheExecutionStatus(string status, TrainerExecutionState expected)
    {
        _arm.Statuses["exec-9"] = status;

        var state = await Runner().GetStateAsync("run-1", "exec-9", CancellationToken.None);

        Assert.Equal(expected, state);
        var request = Assert.Single(_arm.Requests);
        Assert.Equal(("GET", $"{FakeArm.JobPath}/executions/exec-9", "2025-07-01"), (request.Method, request.Path, request.ApiVersion));
    }

    [Fact(Timeout = 30_000)]
    public async Task GetState_ExecutionNotFound_IsMissing()
    {
        Assert.Equal(TrainerExecutionState.Missing, await Runner().GetStateAsync("run-1", "exec-gone", CancellationToken.None));
    }

    [Fact(Timeout = 30_000)]
    public async Task Stop_RunningExecution_PostsToItsStopPath()
    {
        var runner = Runner();
        var execution = await runner.StartAsync("run-1", CancellationToken.None);

        await runner.StopAsync("run-1", execution, CancellationToken.None);

        Assert.Contains(_arm.Requests, r => r.Method == "POST" && r.Path == $"{FakeArm.JobPath}/executions/{execution}/stop" && r.ApiVersion == "2025-07-01");
        Assert.Equal(TrainerExecutionState.Stopped, await runner.GetStateAsync("run-1", execution, CancellationToken.None));
    }

    [Fact(Timeout = 30_000)]
    public async Task Stop_ExecutionThatEnded_IsLeftAsItIs()
    {
        _arm.Statuses["exec-done"] = "Succeeded";

        await Runner().StopAsync("run-1", "exec-done", CancellationToken.None);

        Assert.DoesNotContain(_arm.Requests, r => r.Path.EndsWith("/stop", StringComparison.Ordinal));
        Assert.Equal("Succeeded", _arm.Statuses["exec-done"]);
    }

    [Fact(Timeout = 30_000)]
    public async Task Start_ArmAnswers500_ThrowsTheTransientException()
    {
        _arm.Failure = (500, "InternalServerError", "Something went wrong");

        var error = await Assert.ThrowsAsync<TrainingRunnerTransientException>(() => Runner().StartAsync("run-1", CancellationToken.None));

        Assert.Equal(500, error.StatusCode);
    }

    [Fact(Timeout = 30_000)]
    public async Task GetState_ArmThrottles_ThrowsTheTransientException()
    {
        _arm.Failure = (429, "TooManyRequests", "Slow down");

        var error = await Assert.ThrowsAsync<TrainingRunnerTransientException>(() => Runner().GetStateAsync("run-1", "exec-1", CancellationToken.None));

        Assert.Equal(429, error.StatusCode);
    }

    [Fact(Timeout = 30_000)]
    public async Task Start_ArmAnswers403_ThrowsPermanentlyWithArmsMessage()
    {
        _arm.Failure = (403, "AuthorizationFailed", "The client 'abc' does not have authorization to perform action 'Microsoft.App/jobs/start/action'");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Runner().StartAsync("run-1", CancellationToken.None));

        Assert.Contains("AuthorizationFailed: The client 'abc' does not have authorization", error.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30_000)]
    public async Task Start_ArmUnreachable_ThrowsTheTransientException()
    {
        var runner = Runner(new Uri($"http://127.0.0.1:{FreePort()}"));

        var error = await Assert.ThrowsAsync<TrainingRunnerTransientException>(() => runner.StartAsync("run-1", CancellationToken.None));

        Assert.Null(error.StatusCode);
    }

    private ContainerAppsTrainingRunner Runner(Uri? endpoint = null) => new(
        new ContainerAppsTrainingRunnerOptions
        {
            ArmEndpoint = endpoint ?? _arm.Endpoint,
            SubscriptionId = "sub-1",
            ResourceGroup = "rg-1",
            JobName = "caj-trainer",
            Image = "crtest.azurecr.io/trainer:7",
            TrainerClientId = "trainer-client-id",
            StorageAccountName = "sttest",
            Arguments = ["--device", "cuda"],
            Environment = [new TrainerEnvironmentVariable { Name = "Registry__Container", Value = "models" }],
        },
        _services.GetRequiredService<IHttpClientFactory>(),
        new ScopeEchoingCredential(),
        NullLogger<ContainerAppsTrainingRunner>.Instance);

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A token that names the scope it was asked for, so the test sees both.</summary>
    private sealed class ScopeEchoingCredential : TokenCredential
    {
        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            new($"token-for-{string.Join(' ', requestContext.Scopes)}", DateTimeOffset.UtcNow.AddHours(1));

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            ValueTask.FromResult(GetToken(requestContext, cancellationToken));
    }
}
