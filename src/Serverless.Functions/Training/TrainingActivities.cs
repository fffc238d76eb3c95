using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using Serverless.Functions.Observability;
using Serverless.Functions.Training.Runners;
using Serverless.Registry;
using Serverless.Training;
using Serverless.Training.Data;

namespace Serverless.Functions.Training;

/// <summary>The I/O of the training orchestration, one activity per step; each throws on failure and is retried by policy.</summary>
public sealed class TrainingActivities(
    TrainingRunBlobs runs, BlobModelRegistry registry, ITrainingRunner runner, FunctionsMetrics metrics, ILogger<TrainingActivities> logger)
{
    /// <summary>Activity names, as the orchestration calls them.</summary>
    public const string CheckDataName = "TrainingCheckData";

    /// <inheritdoc cref="CheckDataName" />
    public const string StartTrainerName = "TrainingStartTrainer";

    /// <inheritdoc cref="CheckDataName" />
    public const string ProbeTrainerName = "TrainingProbeTrainer";

    /// <inheritdoc cref="CheckDataName" />
    public const string StopTrainerName = "TrainingStopTrainer";

    /// <inheritdoc cref="CheckDataName" />
    public const string ReadEvaluationName = "TrainingReadEvaluation";

    /// <inheritdoc cref="CheckDataName" />
    public const string PublishCandidateName = "TrainingPublishCandidate";

    /// <inheritdoc cref="CheckDataName" />
    public const string PointAliasName = "TrainingPointAlias";

    /// <inheritdoc cref="CheckDataName" />
    public const string FinishRunName = "TrainingFinishRun";

    /// <summary>
    /// The checks that need the whole dataset (every row parses, fields present, enough examples per class for the splits),
    /// run before any trainer starts; returns a one-line summary.
    /// </summary>
    /// <exception cref="DatasetException">The data cannot be trained on; the message says why.</exception>
    [Function(CheckDataName)]
    public async Task<string> CheckData([ActivityTrigger] string runId, CancellationToken cancellationToken)
    {
        var job = await runs.ReadJobAsync(runId, cancellationToken)
            ?? throw new TrainingRunException($"training/{TrainingStorage.Job(runId)} is missing: the run was not staged.");
        var fields = DatasetFields.Of(job);
        var train = await runs.ReadDatasetAsync(job.Dataset, fields, cancellationToken);
        var validation = job.ValidationDataset is null ? null : await runs.ReadDatasetAsync(job.ValidationDataset, fields, cancellationToken);
        var test = job.TestDataset is null ? null : await runs.ReadDatasetAsync(job.TestDataset, fields, cancellationToken);
        var splits = DatasetSplitter.Prepare(train, validation, test, new SplitOptions(Seed: job.Hyperparameters.Seed));
        return $"{splits.Train.Count} train / {splits.Validation.Count} validation / {splits.Test.Count} test examples, labels {string.Join(", ", splits.Labels)}";
    }

    /// <summary>Starts the trainer for the run; returns the execution id.</summary>
    [Function(StartTrainerName)]
    public Task<string> StartTrainer([ActivityTrigger] string runId, CancellationToken cancellationToken) =>
        runner.StartAsync(runId, cancellationToken);

    /// <summary>The runner's state of the execution and the trainer's own status.json.</summary>
    [Function(ProbeTrainerName)]
    public async Task<TrainerProbe> ProbeTrainer([ActivityTrigger] TrainerExecution execution, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(execution);
        var state = await runner.GetStateAsync(execution.RunId, execution.ExecutionId, cancellationToken);
        var status = await runs.ReadStatusAsync(execution.RunId, cancellationToken);
        return new TrainerProbe(state, status?.Status, status?.Error);
    }

    /// <summary>Stops the execution (cancel, deadline).</summary>
    [Function(StopTrainerName)]
    public Task StopTrainer([ActivityTrigger] TrainerExecution execution, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(execution);
        return runner.StopAsync(execution.RunId, execution.ExecutionId, cancellationToken);
    }

    /// <summary>The trainer's evaluation.json.</summary>
    [Function(ReadEvaluationName)]
    public async Task<TrainingEvaluation> ReadEvaluation([ActivityTrigger] string runId, CancellationToken cancellationToken)
    {
        try
        {
            return await runs.ReadEvaluationAsync(runId, cancellationToken)
                ?? throw new TrainingRunException($"The trainer reported success but wrote no {TrainingStorage.Container}/{TrainingStorage.Evaluation(runId)}; see trainer.log.");
        }
        catch (System.Text.Json.JsonException ex)
        {
            throw new TrainingRunException($"{TrainingStorage.Container}/{TrainingStorage.Evaluation(runId)} is not a valid evaluation: {ex.Message}");
        }
    }

    /// <summary>Publishes the candidate as the next version; a retry finds the version it already published.</summary>
    [Function(PublishCandidateName)]
    public async Task<string> PublishCandidate([ActivityTrigger] PublishCandidateRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var published = await registry.PublishFromBlobFolderAsync(request.Model, TrainingRunBlobs.CandidateSource(request.RunId), request.RunId, cancellationToken);
        Log.CandidatePublished(logger, request.RunId, request.Model, published.Version);
        return published.Version;
    }

    /// <summary>Points an alias at the version, conditionally when asked; reports where it pointed when it had moved.</summary>
    [Function(PointAliasName)]
    public async Task<PointAliasResult> PointAlias([ActivityTrigger] PointAliasRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var precondition = request.Conditional ? new AliasPrecondition(request.Precondition) : null;
        if (await registry.SetAliasAsync(request.Model, request.Alias, request.Version, precondition, cancellationToken))
        {
            return new PointAliasResult(true, request.Version);
        }

        var aliases = await registry.GetAliasesAsync(request.Model, cancellationToken);
        return new PointAliasResult(false, aliases.Aliases.GetValueOrDefault(request.Alias));
    }

    /// <summary>Removes the run's checkpoints (trainer.log, status, evaluation and the candidate stay) and counts the outcome.</summary>
    [Function(FinishRunName)]
    public async Task FinishRun([ActivityTrigger] FinishRunRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        await runs.DeleteCheckpointsAsync(request.RunId, cancellationToken);
        metrics.TrainingRunEnded(request.Model, request.Status);
    }
}
