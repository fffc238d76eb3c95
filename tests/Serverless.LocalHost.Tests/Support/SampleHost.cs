using Azure.Storage.Queues;
using Serverless.LocalHost.Tests.Samples;
using Serverless.Testing;

namespace Serverless.LocalHost.Tests.Support;

/// <summary>The local host running the sample functions on a free port, with its own script root and queue names.</summary>
public sealed class SampleHost : IAsyncDisposable
{
    public const string DefaultHostJson = """
        {
          "version": "2.0",
          "extensions": {
            "http": { "routePrefix": "sample" },
            "queues": { "batchSize": 4, "maxDequeueCount": 3, "visibilityTimeout": "00:00:00",
                        "maxPollingInterval": "00:00:00.200", "messageEncoding": "none" },
            "durableTask": { "hubName": "%SampleHub%", "storageProvider": { "maxQueuePollingInterval": "00:00:00.500" } }
          }
        }
        """;

    private readonly string _scriptRoot;

    private SampleHost(LocalFunctionsHost host, string scriptRoot, string connectionString, IReadOnlyDictionary<string, string> queues)
    {
        Host = host;
        _scriptRoot = scriptRoot;
        ConnectionString = connectionString;
        Queues = queues;
        Http = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public LocalFunctionsHost Host { get; }

    public HttpClient Http { get; }

    public string ConnectionString { get; }

    /// <summary>The queue name of each queue setting (RecordQueue, FlakyQueue, …), unique to this host.</summary>
    public IReadOnlyDictionary<string, string> Queues { get; }

    public QueueProbe Probe => (QueueProbe)Host.Services.GetService(typeof(QueueProbe))!;

    /// <summary>The log lines the host's filters let through.</summary>
    public LogProbe Logs => (LogProbe)Host.Services.GetService(typeof(LogProbe))!;

    /// <summary>A task hub name of its own (letters and digits only, as task hub names must be); later arguments override it.</summary>
    public static string UniqueHubName() => $"Sample{Guid.NewGuid():N}"[..24];

    /// <summary>Writes the script root (host.json and optional settings files) and starts the host.</summary>
    public static async Task<SampleHost> StartAsync(AzuriteFixture azurite, string hostJson = DefaultHostJson,
        string? localSettings = null, string? sampleSettings = null, params string[] arguments)
    {
        var root = Directory.CreateTempSubdirectory("localhost-tests-").FullName;
        await File.WriteAllTextAsync(Path.Combine(root, "host.json"), hostJson);
        if (localSettings is not null)
        {
            await File.WriteAllTextAsync(Path.Combine(root, "local.settings.json"), localSettings);
        }

        if (sampleSettings is not null)
        {
            await File.WriteAllTextAsync(Path.Combine(root, "local.settings.sample.json"), sampleSettings);
        }

        var queues = new[] { "RecordQueue", "FlakyQueue", "SlowQueue", "ForwardFrom", "ForwardTo", "ReceiptsQueue" }
            .ToDictionary(s => s, s => azurite.UniqueName(s));
        string[] args =
        [
            "--port", "0", "--script-root", root, $"--AzureWebJobsStorage={azurite.ConnectionString}", $"--SampleHub={UniqueHubName()}",
            .. queues.Select(q => $"--{q.Key}={q.Value}"), .. arguments,
        ];
        var host = LocalFunctionsHost.Create(typeof(SampleApp).Assembly, SampleApp.Configure, args);
        try
        {
            await host.StartAsync(AzuriteFixture.TestTimeout());
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }

        return new SampleHost(host, root, azurite.ConnectionString, queues);
    }

    /// <summary>A client for one of this host's queues (by setting name) or any other queue.</summary>
    public QueueClient Queue(string settingOrName, QueueMessageEncoding encoding = QueueMessageEncoding.None) =>
        new(ConnectionString, Queues.TryGetValue(settingOrName, out var name) ? name : settingOrName,
            new QueueClientOptions { MessageEncoding = encoding });

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Host.StopAsync(CancellationToken.None);
        await Host.DisposeAsync();
        Directory.Delete(_scriptRoot, recursive: true);
    }
}
