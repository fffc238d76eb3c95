using System.Net;
using System.Net.Sockets;
using DurableTask.AzureStorage;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.DurableTask.Testing.Sidecar.Grpc;
using Microsoft.Extensions.Options;

namespace Serverless.LocalHost;

/// <summary>
/// The Durable Task engine inside the local host, standing in for the Durable extension of the Functions host: the
/// Durable Task sidecar (<see cref="TaskHubGrpcServer"/>) on its own loopback HTTP/2 listener (a free port), backed by the
/// Azure Storage backend on the <c>AzureWebJobsStorage</c> connection with host.json's task hub — the same queues, tables
/// and blobs the extension uses under <c>func start</c>. The local worker and client talk to it over <see cref="Channel"/>.
/// </summary>
/// <remarks>
/// Started before the worker and the client connect (hosted services start in order): the task hub is created if missing
/// and the listener is up when <see cref="StartAsync"/> returns. The sidecar starts the backend once the worker connects
/// and, when it stops, stops its dispatchers and then the backend, which releases the task hub's partition leases;
/// <see cref="StopAsync"/> returns once that is done. The sidecar stops only there, after the worker (hosted services stop
/// in reverse), never on Ctrl-C itself.
/// </remarks>
internal sealed class DurableTaskEngine : IHostedService, IAsyncDisposable
{
    private readonly DurableTaskSettings _settings;
    private readonly QueueClients _queues;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private WebApplication? _sidecar;
    private GuardedOrchestrationService? _backend;
    private volatile int _port;

    public DurableTaskEngine(HostJson hostJson, QueueClients queues, ILoggerFactory loggerFactory)
    {
        _settings = hostJson.DurableTask;
        _queues = queues;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<DurableTaskEngine>();
        // The sidecar's port is known only once it listens, after the worker and client were built: the channel's address
        // is nominal and each connection goes to the port in effect.
        var handler = new SocketsHttpHandler { ConnectCallback = ConnectAsync, EnableMultipleHttp2Connections = true };
        Channel = GrpcChannel.ForAddress("http://127.0.0.1", new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
    }

    /// <summary>The channel the worker and the client use.</summary>
    public GrpcChannel Channel { get; }

    /// <summary>The task hub in use.</summary>
    public string HubName => _settings.HubName;

    /// <summary>Where the sidecar listens, e.g. <c>http://127.0.0.1:41234</c>; known once started.</summary>
    public string Address => $"http://127.0.0.1:{_port}";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var connectionString = StorageConnectionString();
        var service = new AzureStorageOrchestrationService(new AzureStorageOrchestrationServiceSettings
        {
            TaskHubName = _settings.HubName,
            PartitionCount = _settings.PartitionCount,
            MaxQueuePollingInterval = _settings.MaxQueuePollingInterval,
            StorageAccountClientProvider = new StorageAccountClientProvider(connectionString),
            LoggerFactory = _loggerFactory,
        });

        // The backend retries an unreachable account for minutes; a queue client with the host's short retries says so in seconds.
        var probe = _queues.Get(QueueClients.DefaultConnection, $"{_settings.HubName.ToLowerInvariant()}-workitems");
        try
        {
            await probe.ExistsAsync(cancellationToken);
            await service.CreateIfNotExistsAsync().WaitAsync(cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            throw new InvalidOperationException(
                $"The Durable Task engine cannot reach task hub '{_settings.HubName}' at {probe.Uri.GetLeftPart(UriPartial.Authority)}: " +
                $"{exception.Message.Split('\n')[0]} Start Azurite (or the storage account) or fix the connection setting.", exception);
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.Sources.Clear();
        // The sidecar's own request logs stay quiet; the engine logs through the host's logger factory.
        builder.Logging.ClearProviders();
        // Ctrl-C and SIGTERM stop the local host, which stops the engine after the worker; the sidecar does not stop on its own.
        builder.Services.AddSingleton<IHostLifetime, EngineLifetime>();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        var backend = new GuardedOrchestrationService(service);
        builder.Services.AddSingleton(sp => new TaskHubGrpcServer(sp.GetRequiredService<IHostApplicationLifetime>(), _loggerFactory, backend, service,
            sp.GetRequiredService<IOptions<TaskHubGrpcServerOptions>>()));
        var sidecar = builder.Build();
        sidecar.MapGrpcService<TaskHubGrpcServer>();
        // The sidecar subscribes to its host's start and stop when it is constructed, and gRPC constructs it only for the first
        // call: built now, it stops the backend (and completes Stopped) even when the host stops before the worker's first call.
        _ = sidecar.Services.GetRequiredService<TaskHubGrpcServer>();
        await sidecar.StartAsync(cancellationToken);
        _sidecar = sidecar;
        _backend = backend;
        var address = sidecar.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        _port = new Uri(address).Port;
        Log.DurableEngineStarted(_logger, _settings.HubName, probe.Uri.GetLeftPart(UriPartial.Authority), Address);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_sidecar is { } sidecar && _backend is { } backend)
        {
            // The worker has stopped: a backend not started yet (the worker never connected) stays stopped.
            backend.RefuseStart();
            // On its stopping signal the sidecar stops its dispatchers, then the backend (which releases the partition leases),
            // without waiting for either: wait here, and stop the backend outright when the host's shutdown deadline comes.
            await sidecar.StopAsync(cancellationToken);
            try
            {
                await backend.Stopped.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                await backend.StopAsync(isForced: true);
            }

            Log.DurableEngineStopped(_logger, _settings.HubName);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        if (_sidecar is { } sidecar)
        {
            await sidecar.DisposeAsync();
        }
    }

    // The one place the engine's storage connection is resolved: AzureWebJobsStorage, as the Durable extension uses by default.
    private string StorageConnectionString() => _queues.ConnectionString(QueueClients.DefaultConnection);

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var port = _port;
        if (port == 0)
        {
            throw new HttpRequestException("The local Durable Task engine is not listening yet.");
        }

        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The sidecar's lifetime: it starts and stops when the engine says, not on console signals.</summary>
    private sealed class EngineLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
