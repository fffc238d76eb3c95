using System.Collections.Concurrent;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;

namespace Serverless.LocalHost;

/// <summary>
/// Queue clients for triggers and output bindings: <c>%Setting%</c> names and connection settings resolved from app settings
/// the way the Functions host resolves them, with host.json's message encoding. Thread-safe.
/// </summary>
internal sealed class QueueClients(IConfiguration configuration, HostJson hostJson)
{
    public const string DefaultConnection = "AzureWebJobsStorage";

    private readonly ConcurrentDictionary<(string Connection, string Queue), Lazy<Task<QueueClient>>> _created = new();

    /// <summary>Resolves <c>%Setting%</c> references in a queue name.</summary>
    /// <exception cref="InvalidOperationException">A referenced setting is missing.</exception>
    public string ResolveName(string queueName, string functionName) =>
        AppSettingReferences.Resolve(queueName, configuration, setting =>
            $"Function '{functionName}' uses the app setting '{setting}' as its queue name, and it is not set: " +
            $"add it to {LocalSettings.FileName} \"Values\" or the environment.");

    /// <summary>A client for one queue (no network call).</summary>
    /// <exception cref="InvalidOperationException">The connection setting is missing.</exception>
    public QueueClient Get(string connection, string queueName)
    {
        var connectionString = ConnectionString(connection);
        var options = new QueueClientOptions { MessageEncoding = hostJson.Queues.MessageEncoding };
        // The listener polls again anyway: a storage outage should surface in seconds, not after the SDK's long retries.
        options.Retry.MaxRetries = 3;
        options.Retry.Delay = TimeSpan.FromMilliseconds(200);
        options.Retry.MaxDelay = TimeSpan.FromSeconds(2);
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(30);
        return new QueueClient(connectionString, queueName, options);
    }

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
    /// The connection string of a storage connection setting, looked up as the Functions host does: the setting itself,
    /// <c>ConnectionStrings:Name</c>, then <c>AzureWebJobsName</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The connection setting is missing.</exception>
    public string ConnectionString(string connection) =>
        configuration[connection] is { Length: > 0 } direct ? direct
        : configuration[$"ConnectionStrings:{connection}"] is { Length: > 0 } named ? named
        : configuration[$"AzureWebJobs{connection}"] is { Length: > 0 } prefixed ? prefixed
        : throw new InvalidOperationException(
            $"The storage connection setting '{connection}' is not set: add it to {LocalSettings.FileName} \"Values\" or the " +
            "environment (\"UseDevelopmentStorage=true\" for Azurite on its default ports).");
}
