using System.Collections.Concurrent;
using Azure.Storage.Queues;
using Serverless.Registry;

namespace Serverless.LocalHost;

/// <summary>
/// Queue clients for triggers and output bindings: <c>%Setting%</c> names resolved from app settings the way the Functions
/// host resolves them, and connections from the app's storage composition (<see cref="ServerlessStorage.Queues"/>) with
/// host.json's message encoding. Thread-safe.
/// </summary>
internal sealed class QueueClients(IConfiguration configuration, HostJson hostJson, ServerlessStorage storage)
{
    public const string DefaultConnection = "AzureWebJobsStorage";

    private readonly ConcurrentDictionary<(string Connection, string Queue), Lazy<Task<QueueClient>>> _created = new();

    /// <summary>Resolves <c>%Setting%</c> references in a queue name.</summary>
    /// <exception cref="InvalidOperationException">A referenced setting is missing.</exception>
    public string ResolveName(string queueName, string functionName) => ResolveName(configuration, queueName, functionName);

    /// <summary>Resolves <c>%Setting%</c> references in a queue name from <paramref name="configuration"/>.</summary>
    /// <exception cref="InvalidOperationException">A referenced setting is missing.</exception>
    public static string ResolveName(IConfiguration configuration, string queueName, string functionName) =>
        AppSettingReferences.Resolve(queueName, configuration, setting =>
            $"Function '{functionName}' uses the app setting '{setting}' as its queue name, and it is not set: " +
            $"add it to {LocalSettings.FileName} \"Values\" or the environment.");

    /// <summary>A client for one queue (no network call).</summary>
    /// <exception cref="InvalidOperationException">The connection is not configured.</exception>
    public QueueClient Get(string connection, string queueName) =>
        storage.Queues(connection, hostJson.Queues.MessageEncoding).GetQueueClient(queueName);

    /// <summary>A client for one queue, which is created on first use when missing.</summary>
    public async Task<QueueClient> GetCreatedAsync(string connection, string queueName, CancellationToken cancellationToken)
    {
        var lazy = _created.GetOrAdd((connection, queueName), key => new Lazy<Task<QueueClient>>(async () =>
        {
            var client = Get(key.Connection, key.Queue);
            await client.CreateIfNotExistsAsync(cancellationToken: CancellationToken.None);
            return client;
        }));
        try
        {
            return await lazy.Value.WaitAsync(cancellationToken);
        }
        catch (Exception) when (lazy.Value.IsFaulted)
        {
            // A failed creation is not cached: the next message tries again.
            _created.TryRemove(new((connection, queueName), lazy));
            throw;
        }
    }

    /// <summary>
    /// The connection string of a storage connection, from the app's storage composition.
    /// </summary>
    /// <exception cref="InvalidOperationException">The connection is not a connection string.</exception>
    public string ConnectionString(string connection) =>
        storage.ConnectionString(connection) ?? throw new InvalidOperationException(
            $"The local host's Durable Task engine needs '{connection}' as a storage connection string (\"UseDevelopmentStorage=true\" " +
            $"for Azurite): add it to {LocalSettings.FileName} \"Values\" or the environment; identity-based connections work under func start.");
}
