using System.Net;
using System.Net.Sockets;
using Azure.Storage.Queues;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Serverless.LocalHost.Tests.Support;
using Serverless.LocalHost.Tests.Samples;
using Serverless.Testing;

namespace Serverless.LocalHost.Tests;

[Collection(AzuriteCollection.Name)]
public sealed class HostConfigurationTests(AzuriteFixture azurite) : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("localhost-config-").FullName;

    [Fact]
    public void HostJson_Missing_GivesTheFunctionsDefaults()
    {
        var hostJson = HostJson.Load(_root, new ConfigurationBuilder().Build());

        Assert.Equal("api", hostJson.RoutePrefix);
        Assert.Equal(16, hostJson.Queues.BatchSize);
        Assert.Equal(8, hostJson.Queues.EffectiveNewBatchThreshold);
        Assert.Equal(5, hostJson.Queues.MaxDequeueCount);
        Assert.Equal(TimeSpan.FromMinutes(1), hostJson.Queues.MaxPollingInterval);
        Assert.Equal(TimeSpan.Zero, hostJson.Queues.VisibilityTimeout);
        Assert.Equal(QueueMessageEncoding.Base64, hostJson.Queues.MessageEncoding);
    }

    [Fact]
    public void HostJson_NoDurableTaskSection_GivesTheExtensionsTaskHubAndAShortPollingInterval()
    {
        var hostJson = HostJson.Load(_root, new ConfigurationBuilder().Build());

        Assert.Equal(new DurableTaskSettings("TestHubName", TimeSpan.FromSeconds(1), 4), hostJson.DurableTask);
    }

    [Fact]
    public void HostJson_DurableTaskSection_ResolvesTheHubNameSettingAndReadsTheStorageProvider()
    {
        File.WriteAllText(Path.Combine(_root, "host.json"), """
            {"extensions":{"durableTask":{"hubName":"%MyHub%","storageProvider":{"maxQueuePollingInterval":"00:00:05","partitionCount":2}}}}
            """);
        var settings = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["MyHub"] = "OrdersHub" }).Build();

        var hostJson = HostJson.Load(_root, settings);

        Assert.Equal(new DurableTaskSettings("OrdersHub", TimeSpan.FromSeconds(5), 2), hostJson.DurableTask);
    }

    [Theory]
    [InlineData("""{"extensions":{"durableTask":{"hubName":"%Missing%"}}}""", "Missing")]
    [InlineData("""{"extensions":{"durableTask":{"hubName":"my-hub"}}}""", "my-hub")]
    [InlineData("""{"extensions":{"durableTask":{"storageProvider":{"partitionCount":17}}}}""", "partitionCount")]
    public void HostJson_BadDurableTaskSetting_IsRefusedNamingIt(string json, string named)
    {
        File.WriteAllText(Path.Combine(_root, "host.json"), json);

        var error = Assert.Throws<InvalidOperationException>(() => HostJson.Load(_root, new ConfigurationBuilder().Build()));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
        Assert.Contains("extensions.durableTask", error.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task Start_AppWithoutDurableFunctions_StartsNoDurableTaskEngine_EvenWithStorageUnreachable()
    {
        File.WriteAllText(Path.Combine(_root, "host.json"), "{}");
        var unreachable = azurite.ConnectionString.Replace(new Uri(QueueEndpoint()).Authority, $"127.0.0.1:{FreePort()}", StringComparison.Ordinal);
        // The local host's own assembly declares no functions at all, durable or not.
        await using var host = LocalFunctionsHost.Create(typeof(LocalFunctionsHost).Assembly, (_, _) => { },
            ["--port", "0", "--script-root", _root, $"--AzureWebJobsStorage={unreachable}"]);

        await host.StartAsync(AzuriteFixture.TestTimeout());

        Assert.False(host.Catalog.UsesDurableTask);
        Assert.Null(host.Services.GetService<DurableTaskClient>());
        await host.StopAsync(AzuriteFixture.TestTimeout());
    }

    [Fact]
    public void HostJson_RepositoryFile_IsReadWithItsQueueSettings()
    {
        var hostJson = HostJson.Load(RepositoryRoot.Path, new ConfigurationBuilder().Build());

        Assert.Equal("api", hostJson.RoutePrefix);
        Assert.Equal(QueueMessageEncoding.None, hostJson.Queues.MessageEncoding);
        Assert.Equal(TimeSpan.FromSeconds(90), hostJson.Queues.VisibilityTimeout);

        // Storage-queue triggers retry after a fixed delay: the tries of a transient failure span minutes, not seconds.
        Assert.InRange((hostJson.Queues.MaxDequeueCount - 1) * hostJson.Queues.VisibilityTimeout, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(15));
    }

    [Fact]
    public void HostJson_BatchSizeAbove32_IsRefusedNamingTheSetting()
    {
        File.WriteAllText(Path.Combine(_root, "host.json"), """{"extensions":{"queues":{"batchSize":64}}}""");

        var error = Assert.Throws<InvalidOperationException>(() => HostJson.Load(_root, new ConfigurationBuilder().Build()));

        Assert.Contains("BatchSize", error.Message, StringComparison.Ordinal);
        Assert.Contains("host.json", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LocalSettings_NotJson_IsRefusedNamingTheFile()
    {
        var path = Path.Combine(_root, "local.settings.json");
        File.WriteAllText(path, "{ \"Values\": ");

        var error = Assert.Throws<InvalidOperationException>(() => LocalSettings.Read(path));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_QueueNameSettingMissing_FailsNamingTheSettingAndWhereToSetIt()
    {
        File.WriteAllText(Path.Combine(_root, "host.json"), "{}");

        var error = Assert.Throws<InvalidOperationException>(() => LocalFunctionsHost.Create(typeof(SampleApp).Assembly, SampleApp.Configure,
            ["--port", "0", "--script-root", _root, $"--AzureWebJobsStorage={azurite.ConnectionString}"]));

        Assert.Contains("FlakyQueue", error.Message, StringComparison.Ordinal);
        Assert.Contains("local.settings.json", error.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task Start_StorageUnreachable_FailsSayingWhichQueueAndWhatToDo()
    {
        File.WriteAllText(Path.Combine(_root, "host.json"), "{}");
        var closedPort = FreePort();
        var unreachable = azurite.ConnectionString.Replace(new Uri(QueueEndpoint()).Authority, $"127.0.0.1:{closedPort}", StringComparison.Ordinal);
        string[] queues = ["RecordQueue", "FlakyQueue", "SlowQueue", "ForwardFrom", "ForwardTo", "ReceiptsQueue"];
        await using var host = LocalFunctionsHost.Create(typeof(SampleApp).Assembly, SampleApp.Configure,
            ["--port", "0", "--script-root", _root, $"--AzureWebJobsStorage={unreachable}", .. queues.Select(q => $"--{q}=q-{q.ToLowerInvariant()}")]);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync(AzuriteFixture.TestTimeout()));

        Assert.Contains("Start Azurite", error.Message, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{closedPort}", error.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task Start_StorageConnectionNotSet_FailsSayingWhatToSetAndWhere()
    {
        File.WriteAllText(Path.Combine(_root, "host.json"), "{}");
        string[] queues = ["RecordQueue", "FlakyQueue", "SlowQueue", "ForwardFrom", "ForwardTo", "ReceiptsQueue"];
        await using var host = LocalFunctionsHost.Create(typeof(SampleApp).Assembly, SampleApp.Configure,
            ["--port", "0", "--script-root", _root, "--AzureWebJobsStorage=", .. queues.Select(q => $"--{q}=q-{q.ToLowerInvariant()}")]);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync(AzuriteFixture.TestTimeout()));

        Assert.Contains("'AzureWebJobsStorage'", error.Message, StringComparison.Ordinal);
        Assert.Contains("UseDevelopmentStorage=true", error.Message, StringComparison.Ordinal);
        Assert.Contains("local.settings.json", error.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task HostJsonLogLevels_NoneSet_InvocationLinesAreWrittenUnderTheFunctionCategory()
    {
        await using var host = await SampleHost.StartAsync(azurite);

        Assert.Equal("pong", await host.Http.GetStringAsync("sample/Ping"));

        var lines = host.Logs.Records.Where(r => r.Category == "Function.Ping").ToList();
        Assert.Contains(lines, r => r.Level == LogLevel.Information && r.Message.StartsWith("Executing 'Functions.Ping'", StringComparison.Ordinal));
        Assert.Contains(lines, r => r.Level == LogLevel.Information && r.Message.StartsWith("Executed 'Functions.Ping'", StringComparison.Ordinal));
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task HostJsonLogLevels_FunctionAtWarning_SilencesInvocationLines_WhileOtherCategoriesKeepTheirLevels()
    {
        const string Logging = """
            "logging": { "logLevel": { "default": "Warning", "Function": "Warning", "Serverless": "Information" } },
            """;
        var hostJson = SampleHost.DefaultHostJson.Replace("\"extensions\":", Logging + "\"extensions\":", StringComparison.Ordinal);
        await using var host = await SampleHost.StartAsync(azurite, hostJson);

        Assert.Equal("pong", await host.Http.GetStringAsync("sample/Ping"));

        Assert.DoesNotContain(host.Logs.Records, r => r.Category.StartsWith("Function.", StringComparison.Ordinal));
        var loggers = host.Host.Services.GetRequiredService<ILoggerFactory>();
        Assert.True(loggers.CreateLogger("Serverless.Functions.Queues.ClassifyQueueProcessor").IsEnabled(LogLevel.Information));
        Assert.False(loggers.CreateLogger("Some.Library").IsEnabled(LogLevel.Information));
        Assert.True(loggers.CreateLogger("Some.Library").IsEnabled(LogLevel.Warning));
    }

    [Fact]
    public void HostJsonLogLevels_UnknownLevel_IsRefusedNamingTheCategory()
    {
        File.WriteAllText(Path.Combine(_root, "host.json"), """{"logging":{"logLevel":{"Function":"Loud"}}}""");

        var error = Assert.Throws<InvalidOperationException>(() => HostJson.Load(_root, new ConfigurationBuilder().Build()));

        Assert.Contains("logging.logLevel.Function", error.Message, StringComparison.Ordinal);
        Assert.Contains("Loud", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string QueueEndpoint() =>
        azurite.ConnectionString.Split(';').Single(p => p.StartsWith("QueueEndpoint=", StringComparison.Ordinal))["QueueEndpoint=".Length..];

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
