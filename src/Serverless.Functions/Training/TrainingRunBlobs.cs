using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Serverless.Registry;
using Serverless.Training;
using Serverless.Training.Data;

namespace Serverless.Functions.Training;

/// <summary>
/// The function app's side of a run's blobs (SPEC "Training runs"): it stages job.json, reads the trainer's status.json and
/// evaluation.json, reads datasets for their checks, and removes checkpoints when a run ends. Thread-safe.
/// </summary>
public sealed class TrainingRunBlobs(BlobServiceClient models)
{
    private readonly BlobContainerClient _training = models.GetBlobContainerClient(TrainingStorage.Container);
    private volatile bool _containerReady;

    /// <summary>The blob folder of the run's candidate package, as a publish source ("training/{runId}/candidate/").</summary>
    public static string CandidateSource(string runId) => $"{TrainingStorage.Container}/{TrainingStorage.Candidate(runId)}";

    /// <summary>Writes job.json (replacing an earlier one of the same run).</summary>
    public async Task StageJobAsync(TrainingJob job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (!_containerReady)
        {
            await _training.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            _containerReady = true;
        }

        await _training.GetBlobClient(TrainingStorage.Job(job.RunId)).UploadAsync(
            BinaryData.FromString(Canonical(job)),
            new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" } },
            cancellationToken);
    }

    /// <summary>job.json of a run; null when it has none.</summary>
    public async Task<TrainingJob?> ReadJobAsync(string runId, CancellationToken cancellationToken) =>
        await ReadAsync(TrainingStorage.Job(runId), json => TrainingJob.Parse(json, runId), cancellationToken);

    /// <summary>The trainer's status.json; null before it wrote one (or when it is unreadable mid-write).</summary>
    public Task<TrainingRunStatus?> ReadStatusAsync(string runId, CancellationToken cancellationToken) =>
        ReadAsync(TrainingStorage.Status(runId), TrainingRunStatus.TryParse, cancellationToken);

    /// <summary>The trainer's evaluation.json; null when it wrote none.</summary>
    /// <exception cref="JsonException">It is not a valid evaluation.</exception>
    public Task<TrainingEvaluation?> ReadEvaluationAsync(string runId, CancellationToken cancellationToken) =>
        ReadAsync(TrainingStorage.Evaluation(runId), json => JsonSerializer.Deserialize<TrainingEvaluation>(json, TrainingJob.JsonOptions), cancellationToken);

    /// <summary>True when the dataset blob exists.</summary>
    /// <exception cref="DatasetException">The location is not "container/path" or has an unknown format.</exception>
    public Task<bool> DatasetExistsAsync(string location, CancellationToken cancellationToken) =>
        DatasetBlobs.ExistsAsync(models, location, cancellationToken);

    /// <summary>Reads and parses a whole dataset.</summary>
    /// <exception cref="DatasetException">It does not exist or is not a valid dataset.</exception>
    public Task<LabelledDataset> ReadDatasetAsync(string location, DatasetFields fields, CancellationToken cancellationToken) =>
        DatasetBlobs.ReadAsync(models, location, fields, cancellationToken);

    /// <summary>Removes the run's checkpoints (job, status, evaluation, log and candidate stay).</summary>
    public async Task DeleteCheckpointsAsync(string runId, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var item in _training.GetBlobsAsync(new GetBlobsOptions { Prefix = TrainingStorage.Checkpoints(runId) }, cancellationToken))
            {
                await _training.GetBlobClient(item.Name).DeleteIfExistsAsync(cancellationToken: cancellationToken);
            }
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // No training container yet: nothing to remove.
        }
    }

    /// <summary>The one JSON form of a job, so two requests compare equal exactly when they ask for the same run.</summary>
    public static string Canonical(TrainingJob job) => JsonSerializer.Serialize(job, TrainingJob.JsonOptions);

    private async Task<T?> ReadAsync<T>(string blobName, Func<string, T?> parse, CancellationToken cancellationToken) where T : class
    {
        try
        {
            var content = await _training.GetBlobClient(blobName).DownloadContentAsync(cancellationToken);
            return parse(content.Value.Content.ToString());
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }
}
