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
/// storage (<see cref="ServerlessStorage.HostQueues"/>, <see cref="ServerlessStorage.HostBlobs"/>). A stored answer carries
/// the hash of the request it answers in its metadata and expires after <see cref="QueueOptions.ResultRetentionDays"/>
/// (checked on read too: a lifecycle rule deletes late, and Azurite has none). Thread-safe.
/// </summary>
public sealed class ClassifyQueueStorage(ServerlessStorage storage, IOptions<QueueOptions> options, TimeProvider time)
{
    /// <summary>The blob metadata key of the request hash.</summary>
    public const string RequestHashMetadata = "requesthash";

    private readonly QueueServiceClient _queues = storage.HostQueues;
    private readonly BlobContainerClient _results = storage.HostBlobs.GetBlobContainerClient(options.Value.ResultsContainer);
    private readonly TimeSpan _retention = TimeSpan.FromDays(options.Value.ResultRetentionDays);
    // Queues and the container are created once each; racing first callers both create, which is harmless.
    private readonly ConcurrentDictionary<string, QueueClient> _readyQueues = new(StringComparer.Ordinal);
    private volatile bool _resultsReady;

    /// <summary>The blob path a pointer message names: <c>{container}/{id}.json</c>.</summary>
    public string ResultBlobPath(string id) => $"{_results.Name}/{BlobName(id)}";

    /// <summary>The stored answer to <paramref name="id"/>, or null when it was never answered (or the blob is gone).</summary>
    public async Task<StoredResult?> TryReadResultAsync(string id, CancellationToken cancellationToken)
    {
        try
        {
            var content = (await _results.GetBlobClient(BlobName(id)).DownloadContentAsync(cancellationToken)).Value;
            var details = content.Details;
            return new StoredResult(
                content.Content.ToString(),
                details.Metadata.TryGetValue(RequestHashMetadata, out var hash) ? hash : null,
                details.LastModified + _retention <= time.GetUtcNow(),
                details.ETag);
        }
        catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.BlobNotFound || e.ErrorCode == BlobErrorCode.ContainerNotFound)
        {
            return null;
        }
    }

    /// <summary>
    /// Stores the answer to <paramref name="id"/> for the request hashed as <paramref name="requestHash"/>, unless an
    /// answer stored under the id before (by an earlier message with the id, or another delivery meanwhile) is still
    /// within the retention: then nothing is stored and that answer is returned, for the caller to replay or refuse by its
    /// hash. An expired or unverifiable answer found is replaced.
    /// </summary>
    /// <param name="id">The message id.</param>
    /// <param name="requestHash">The hash of the request answered.</param>
    /// <param name="answer">The result message.</param>
    /// <param name="replacing">The stored answer this one replaces (expired or unverifiable), or null when none was read.</param>
    /// <param name="cancellationToken">Cancels the upload.</param>
    /// <returns>The earlier answer that stands, or null when this one was stored (or, raced twice, is sent unstored).</returns>
    public async Task<StoredResult?> StoreResultAsync(
        string id, string requestHash, string answer, StoredResult? replacing, CancellationToken cancellationToken)
    {
        await EnsureResultsContainerAsync(cancellationToken);
        for (var attempt = 0; attempt < 2; attempt++)
        {
            try
            {
                await _results.GetBlobClient(BlobName(id)).UploadAsync(
                    BinaryData.FromString(answer),
                    new BlobUploadOptions
                    {
                        // Create-only, or replace exactly the blob found: a delivery that stored meanwhile wins.
                        Conditions = replacing is null
                            ? new BlobRequestConditions { IfNoneMatch = ETag.All }
                            : new BlobRequestConditions { IfMatch = replacing.ETag },
                        HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" },
                        Metadata = new Dictionary<string, string> { [RequestHashMetadata] = requestHash },
                    },
                    cancellationToken);
                return null;
            }
            catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.BlobAlreadyExists || e.Status == 409 || e.Status == 412)
            {
                replacing = await TryReadResultAsync(id, cancellationToken);
                if (replacing is { Expired: false, RequestHash: not null })
                {
                    return replacing;
                }
            }
        }

        return null;
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
