using System.Text.Json;

using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Queues;

using Microsoft.Extensions.Logging.Abstractions;

using Serverless.Errors;
using Serverless.Options;
using Serverless.Packages;
using Serverless.Registry;
using Serverless.Training.Data;

namespace Serverless.Training.FineTuning;

/// <summary>
/// Run state in Azure Blob Storage: container <c>training</c>, folder <c>{runId}/</c>; datasets are "container/path"
/// blobs, the base and the production version come from the model registry, events go to the <c>training-events</c> queue.
/// </summary>
public sealed class BlobTrainingRunStore : ITrainingRunStore
{
    /// <summary>The blob container holding run state.</summary>
    public const string Container = TrainingStorage.Container;

    /// <summary>The queue receiving end-of-run events.</summary>
    public const string EventsQueue = TrainingStorage.EventsQueue;

    private readonly BlobServiceClient _blobs;
    private readonly BlobContainerClient _training;
    private readonly QueueClient _events;
    private readonly BlobModelRegistry _registry;
    private readonly string _prefix;

    /// <summary>
    /// Keeps run state, data and the registry on <paramref name="models"/> (<see cref="ServerlessStorage.Models"/>) and
    /// posts events on <paramref name="queues"/> (<see cref="ServerlessStorage.HostQueues"/>, whose messages are plain
    /// text); the container and queue names default to the documented ones.
    /// </summary>
    public BlobTrainingRunStore(
        BlobServiceClient models, QueueServiceClient queues, string runId, string cacheDirectory,
        string? trainingContainer = null, string? eventsQueue = null, string? modelsContainer = null)
    {
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(queues);
        RunId = runId;
        _blobs = models;
        _training = _blobs.GetBlobContainerClient(trainingContainer ?? Container);
        _events = queues.GetQueueClient(eventsQueue ?? EventsQueue);
        var registryOptions = new RegistryOptions { CacheDirectory = cacheDirectory, Container = modelsContainer ?? new RegistryOptions().Container };
        _registry = new BlobModelRegistry(_blobs, Microsoft.Extensions.Options.Options.Create(registryOptions), NullLogger<BlobModelRegistry>.Instance);
        _prefix = runId + "/";
    }

    /// <summary>The run id.</summary>
    public string RunId { get; }

    /// <inheritdoc />
    public async Task<TrainingJob> ReadJobAsync(CancellationToken cancellationToken)
    {
        var blob = _training.GetBlobClient(_prefix + "job.json");
        try
        {
            var content = await blob.DownloadContentAsync(cancellationToken);
            return TrainingJob.Parse(content.Value.Content.ToString(), RunId);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            throw new InvalidRequestException($"There is no job for run '{RunId}': {_training.Name}/{_prefix}job.json does not exist.");
        }
    }

    /// <inheritdoc />
    public Task<LabelledDataset> ReadDatasetAsync(string location, DatasetFields fields, CancellationToken cancellationToken) =>
        DatasetBlobs.ReadAsync(_blobs, location, fields, cancellationToken);

    /// <inheritdoc />
    public async Task<ModelPackage> GetBaseAsync(string reference, CancellationToken cancellationToken)
    {
        var (name, versionOrAlias) = RegistryNames.ParseReference(reference);
        ModelNames.Validate(name);
        var version = await _registry.ResolveVersionAsync(name, versionOrAlias, cancellationToken);
        return await _registry.DownloadAsync(name, version, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<(string Version, ModelPackage Package)?> GetProductionAsync(string model, CancellationToken cancellationToken)
    {
        ModelNames.Validate(model);
        string version;
        try
        {
            version = await _registry.ResolveVersionAsync(model, RegistryNames.ProductionAlias, cancellationToken);
        }
        catch (ModelNotFoundException)
        {
            // A first model, or one never promoted: there is nothing to compare with.
            return null;
        }

        return (version, await _registry.DownloadAsync(model, version, cancellationToken));
    }

    /// <inheritdoc />
    public async Task<TrainingRunStatus?> ReadStatusAsync(CancellationToken cancellationToken)
    {
        try
        {
            var content = await _training.GetBlobClient(TrainingStorage.Status(RunId)).DownloadContentAsync(cancellationToken);
            return TrainingRunStatus.TryParse(content.Value.Content.ToString());
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    /// <inheritdoc />
    public Task WriteStatusAsync(TrainingRunStatus status, CancellationToken cancellationToken) =>
        UploadJsonAsync(TrainingStorage.Status(RunId), BinaryData.FromObjectAsJson(status, TrainingJob.JsonOptions), cancellationToken);

    /// <inheritdoc />
    public Task WriteEvaluationAsync(TrainingEvaluation evaluation, CancellationToken cancellationToken) =>
        UploadJsonAsync(TrainingStorage.Evaluation(RunId), BinaryData.FromObjectAsJson(evaluation, TrainingJob.JsonOptions), cancellationToken);

    /// <inheritdoc />
    public async Task RestoreCheckpointsAsync(string localDirectory, CancellationToken cancellationToken)
    {
        var prefix = _prefix + "checkpoints/";
        await foreach (var item in _training.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }, cancellationToken))
        {
            var path = LocalFolderPath.ForBlob(localDirectory, prefix, item.Name);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await _training.GetBlobClient(item.Name).DownloadToAsync(path, cancellationToken);
        }
    }

    /// <inheritdoc />
    public async Task SaveCheckpointsAsync(TrainingCheckpoints checkpoints, CancellationToken cancellationToken)
    {
        var prefix = _prefix + "checkpoints/" + (checkpoints.Name is { } name ? name + "/" : "");
        var current = checkpoints.CurrentFiles();
        var existing = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var item in _training.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }, cancellationToken))
        {
            existing.Add(item.Name[prefix.Length..]);
        }

        // Upload what is new (latest.json always, and last), then drop blobs no checkpoint refers to any more.
        foreach (var file in current)
        {
            if (file == TrainingCheckpoints.LatestFile || !existing.Contains(file))
            {
                await _training.GetBlobClient(prefix + file).UploadAsync(Path.Combine(checkpoints.Directory, file), overwrite: true, cancellationToken);
            }
        }

        foreach (var stale in existing.Except(current))
        {
            await _training.GetBlobClient(prefix + stale).DeleteIfExistsAsync(cancellationToken: cancellationToken);
        }
    }

    /// <inheritdoc />
    public async Task<string> SaveCandidateAsync(string packageDirectory, CancellationToken cancellationToken)
    {
        var prefix = _prefix + "candidate/";
        var files = Directory.EnumerateFiles(packageDirectory, "*", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(packageDirectory, p).Replace('\\', '/'))
            .OrderBy(p => p == PackageFiles.Manifest ? 1 : 0)
            .ToArray();
        foreach (var file in files)
        {
            await _training.GetBlobClient(prefix + file).UploadAsync(Path.Combine(packageDirectory, file), overwrite: true, cancellationToken);
        }

        return $"{_training.Name}/{prefix}";
    }

    /// <inheritdoc />
    public async Task PostEventAsync(TrainingEvent trainingEvent, CancellationToken cancellationToken)
    {
        await _events.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        await _events.SendMessageAsync(JsonSerializer.Serialize(trainingEvent, TrainingJob.JsonOptions), cancellationToken);
    }

    private async Task UploadJsonAsync(string name, BinaryData content, CancellationToken cancellationToken)
    {
        await _training.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        await _training.GetBlobClient(name).UploadAsync(
            content,
            new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" } },
            cancellationToken);
    }
}
