using System.Collections.Concurrent;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.Configuration;

namespace Serverless.Registry;

/// <summary>
/// Every storage client of the app, from one composition (<see cref="StorageServiceCollectionExtensions.AddServerlessStorage"/>):
/// the models storage, and the blobs and queues of the Functions runtime's <c>AzureWebJobsStorage</c> connection. Clients
/// are created on first use, so a process that never touches one needs no settings for it; a missing setting fails that
/// first use with a message saying what to set. Thread-safe; one instance per process.
/// </summary>
public sealed class ServerlessStorage
{
    internal const string ModelsClient = "Models";
    internal const string HostClient = "Host";

    private readonly IConfiguration _configuration;
    private readonly AzureComponentFactory _components;
    private readonly Lazy<BlobServiceClient> _models;
    private readonly Lazy<BlobServiceClient> _hostBlobs;
    private readonly Lazy<QueueServiceClient> _hostQueues;
    private readonly ConcurrentDictionary<(string Connection, QueueMessageEncoding Encoding), Lazy<QueueServiceClient>> _queues = new();

    internal ServerlessStorage(
        IConfiguration configuration,
        StorageConnection models,
        StorageConnection host,
        IAzureClientFactory<BlobServiceClient> blobs,
        IAzureClientFactory<QueueServiceClient> queues,
        AzureComponentFactory components)
    {
        _configuration = configuration;
        _components = components;
        _models = new(() => Create(models, StorageService.Blob, () => blobs.CreateClient(ModelsClient)));
        _hostBlobs = new(() => Create(host, StorageService.Blob, () => blobs.CreateClient(HostClient)));
        _hostQueues = new(() => Create(host, StorageService.Queue, () => queues.CreateClient(HostClient)));
    }

    /// <summary>
    /// The models storage (<c>Registry:ConnectionString</c> or <c>Registry:ServiceUri</c>, else <c>AzureWebJobsStorage</c>):
    /// the registry, the training container and the datasets.
    /// </summary>
    /// <exception cref="InvalidOperationException">No models storage is configured.</exception>
    public BlobServiceClient Models => _models.Value;

    /// <summary>The blobs of <c>AzureWebJobsStorage</c>: the classify results container.</summary>
    /// <exception cref="InvalidOperationException">AzureWebJobsStorage has no blob endpoint.</exception>
    public BlobServiceClient HostBlobs => _hostBlobs.Value;

    /// <summary>
    /// The queues of <c>AzureWebJobsStorage</c> (classify requests and results, training-events), sending and reading
    /// messages as plain text (<see cref="QueueMessageEncoding.None"/>).
    /// </summary>
    /// <exception cref="InvalidOperationException">AzureWebJobsStorage has no queue endpoint.</exception>
    public QueueServiceClient HostQueues => _hostQueues.Value;

    /// <summary>
    /// The queues of the connection named <paramref name="connectionName"/> (a queue trigger's <c>Connection</c>), read
    /// from the app settings the way the Functions runtime reads it, with <paramref name="encoding"/> applied to messages.
    /// </summary>
    /// <exception cref="InvalidOperationException">The connection is not configured.</exception>
    public QueueServiceClient Queues(string connectionName, QueueMessageEncoding encoding)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionName);
        if (connectionName == StorageConnection.Host && encoding == QueueMessageEncoding.None)
        {
            return HostQueues;
        }

        return _queues.GetOrAdd((connectionName, encoding), key => new(() =>
        {
            var connection = StorageConnection.Resolve(_configuration, key.Connection);
            return Create(connection, StorageService.Queue, () =>
            {
                // The same route the named clients take: the builder's defaults (retries) and credential, then the section.
                var section = connection.ToSection(StorageService.Queue);
                var options = (QueueClientOptions)_components.CreateClientOptions(typeof(QueueClientOptions), null, section);
                options.MessageEncoding = key.Encoding;
                return (QueueServiceClient)_components.CreateClient(
                    typeof(QueueServiceClient), section, _components.CreateTokenCredential(section), options);
            });
        })).Value;
    }

    /// <summary>
    /// The connection string of the connection named <paramref name="connectionName"/>, for components that take only a
    /// connection string (the local host's Durable Task backend); null when it is configured by identity instead.
    /// </summary>
    public string? ConnectionString(string connectionName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionName);
        return StorageConnection.Resolve(_configuration, connectionName).ConnectionString;
    }

    private static T Create<T>(StorageConnection connection, StorageService service, Func<T> create)
    {
        connection.EnsureConfigured(service);
        return create();
    }
}
