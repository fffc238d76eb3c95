using System.Collections.Concurrent;
using Azure;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Serverless.Options;

namespace Serverless.Functions.Queues;

/// <summary>
/// Where queue answers go: reply queues (created when missing) and the results container, which keeps every answer as
/// <c>{id}.json</c> — for redelivered ids and for results too large for a message. Thread-safe.
/// </summary>
public sealed class ClassifyQueueStorage(QueueServiceClient queues, BlobServiceClient blobs, IOptions<QueueOptions> options)
{
    /// <summary>The Functions runtime's storage connection, which also holds the request and result queues.</summary>
    public const string ConnectionName = "AzureWebJobsStorage";

    private readonly BlobContainerClient _results = blobs.GetBlobContainerClient(options.Value.ResultsContainer);
    // Queues and the container are created once each; racing first callers both create, which is harmless.
    private readonly ConcurrentDictionary<string, QueueClient> _readyQueues = new(StringComparer.Ordinal);
    private volatile bool _resultsReady;

    /// <summary>
    /// Connects to <see cref="ConnectionName"/>: a connection string, or (managed identity) its <c>__queueServiceUri</c> and
    /// <c>__blobServiceUri</c> or <c>__accountName</c> settings, with <c>__clientId</c> for a user-assigned identity.
    /// </summary>
    public static ClassifyQueueStorage Create(IConfiguration configuration, IOptions<QueueOptions> options)
    {
        var connectionString = configuration[ConnectionName];
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            return new ClassifyQueueStorage(new QueueServiceClient(connectionString, Retry(new QueueClientOptions())), new BlobServiceClient(connectionString, Retry(new BlobClientOptions())), options);
        }

        var section = configuration.GetSection(ConnectionName);
        var account = section["accountName"];
        var queueUri = section["queueServiceUri"] ?? (account is null ? null : $"https://{account}.queue.core.windows.net");
        var blobUri = section["blobServiceUri"] ?? (account is null ? null : $"https://{account}.blob.core.windows.net");
        if (queueUri is null || blobUri is null)
        {
            throw new InvalidOperationException(
                $"Set {ConnectionName} to a storage connection string (UseDevelopmentStorage=true for Azurite), or " +
                $"{ConnectionName}__accountName (or __queueServiceUri and __blobServiceUri) for a managed identity.");
        }

        var credential = new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = section["clientId"] });
        return new ClassifyQueueStorage(
            new QueueServiceClient(new Uri(queueUri), credential, Retry(new QueueClientOptions())),
            new BlobServiceClient(new Uri(blobUri), credential, Retry(new BlobClientOptions())),
            options);
    }

    // A few quick retries: the message itself is retried by the platform, so a storage outage should fail fast.
    private static T Retry<T>(T options) where T : Azure.Core.ClientOptions
    {
        options.Retry.Mode = Azure.Core.RetryMode.Exponential;
        options.Retry.MaxRetries = 3;
        options.Retry.Delay = TimeSpan.FromMilliseconds(200);
        options.Retry.MaxDelay = TimeSpan.FromSeconds(2);
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(15);
        return options;
    }

    /// <summary>The blob path a pointer message names: <c>{container}/{id}.json</c>.</summary>
    public string ResultBlobPath(string id) => $"{_results.Name}/{BlobName(id)}";

    /// <summary>The stored answer to <paramref name="id"/>, or null when it was never answered.</summary>
    public async Task<string?> TryReadResultAsync(string id, CancellationToken cancellationToken)
    {
        try
        {
            var content = await _results.GetBlobClient(BlobName(id)).DownloadContentAsync(cancellationToken);
            return content.Value.Content.ToString();
        }
        catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.BlobNotFound || e.ErrorCode == BlobErrorCode.ContainerNotFound)
        {
            return null;
        }
    }

    /// <summary>
    /// Stores the answer to <paramref name="id"/> unless one is stored already, and returns the stored one: when two
    /// deliveries of one message race, both send the first answer.
    /// </summary>
    public async Task<string> StoreResultAsync(string id, string answer, CancellationToken cancellationToken)
    {
        await EnsureResultsContainerAsync(cancellationToken);
        try
        {
            await _results.GetBlobClient(BlobName(id)).UploadAsync(
                BinaryData.FromString(answer),
                new BlobUploadOptions
                {
                    Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
                    HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" },
                },
                cancellationToken);
            return answer;
        }
        catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.BlobAlreadyExists || e.Status == 409 || e.Status == 412)
        {
            return await TryReadResultAsync(id, cancellationToken) ?? answer;
        }
    }

    /// <summary>Sends <paramref name="message"/> as plain text to <paramref name="queueName"/>, creating the queue when missing.</summary>
    public async Task SendAsync(string queueName, string message, CancellationToken cancellationToken)
    {
        if (!_readyQueues.TryGetValue(queueName, out var queue))
        {
            queue = queues.GetQueueClient(queueName);
            await queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            _readyQueues[queueName] = queue;
        }

        await queue.SendMessageAsync(message, cancellationToken);
    }

    private async Task EnsureResultsContainerAsync(CancellationToken cancellationToken)
    {
        if (!_resultsReady)
        {
            await _results.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            _resultsReady = true;
        }
    }

    private static string BlobName(string id) => id + ".json";
}
