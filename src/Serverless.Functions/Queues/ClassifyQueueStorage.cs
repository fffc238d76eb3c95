using System.Collections.Concurrent;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Queues;
using Microsoft.Extensions.Options;
using Serverless.Options;
using Serverless.Registry;

namespace Serverless.Functions.Queues;

/// <summary>
/// Where queue answers go: reply queues (created when missing) and the results container, which keeps every answer as
/// <c>{id}.json</c> — for redelivered ids and for results too large for a message — both on the Functions runtime's
/// storage (<see cref="ServerlessStorage.HostQueues"/>, <see cref="ServerlessStorage.HostBlobs"/>). Thread-safe.
/// </summary>
public sealed class ClassifyQueueStorage(ServerlessStorage storage, IOptions<QueueOptions> options)
{
    private readonly QueueServiceClient _queues = storage.HostQueues;
    private readonly BlobContainerClient _results = storage.HostBlobs.GetBlobContainerClient(options.Value.ResultsContainer);
    // Queues and the container are created once each; racing first callers both create, which is harmless.
    private readonly ConcurrentDictionary<string, QueueClient> _readyQueues = new(StringComparer.Ordinal);
    private volatile bool _resultsReady;

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
            queue = _queues.GetQueueClient(queueName);
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
