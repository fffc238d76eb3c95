using System.Collections.Concurrent;
using System.Text.Json;
using Azure.Storage.Blobs;
using Microsoft.DurableTask.Client;
using Serverless.Functions.Training;
using Serverless.Functions.Training.Runners;
using Serverless.Packages;
using Serverless.Registry;
using Serverless.Testing;
using Serverless.Training;

namespace Serverless.Functions.Tests.Training;

/// <summary>What the scripted trainer does when started.</summary>
internal enum TrainerScript
{
    /// <summary>Writes the candidate, evaluation.json and a Succeeded status, and posts the end event at once (before the orchestration waits).</summary>
    Succeed,

    /// <summary>Like <see cref="Succeed"/>, but posts no event: only status.json says it ended (the polling path).</summary>
    SucceedSilently,

    /// <summary>Writes a Failed status and posts a Failed event.</summary>
    Fail,

    /// <summary>Runs until stopped, writing nothing.</summary>
    Hang,

    /// <summary>The first execution vanishes without a trace (a restarted host); the next one succeeds.</summary>
    LoseFirstExecution,

    /// <summary>Every execution vanishes.</summary>
    AlwaysLost,
}

/// <summary>
/// Plays the trainer for orchestration tests: writes exactly what the real trainer writes (candidate package, evaluation.json,
/// status.json) into the run's blobs and posts the end event the way the training-events function raises it.
/// </summary>
internal sealed class ScriptedTrainer(BlobServiceClient blobs, BlobModelRegistry registry, string work) : ITrainingRunner
{
    private readonly ConcurrentDictionary<string, TrainerExecutionState> _executions = new();
    private int _starts;

    public DurableTaskClient? Client { get; set; }
    public TrainerScript Script { get; set; } = TrainerScript.Succeed;
    public EvaluationScores CandidateScores { get; set; } = new(0.9, 0.9);
    public EvaluationScores ProductionScores { get; set; } = new(0.8, 0.8);
    public int Starts => _starts;
    public ConcurrentBag<string> Stopped { get; } = [];

    public async Task<string> StartAsync(string runId, CancellationToken cancellationToken)
    {
        var start = Interlocked.Increment(ref _starts);
        var executionId = $"{runId}-{start}";
        var lost = Script == TrainerScript.AlwaysLost || (Script == TrainerScript.LoseFirstExecution && start == 1);
        _executions[executionId] = lost ? TrainerExecutionState.Missing : TrainerExecutionState.Running;
        switch (Script)
        {
            case TrainerScript.Succeed:
            case TrainerScript.SucceedSilently:
            case TrainerScript.LoseFirstExecution when !lost:
                await SucceedAsync(runId, postEvent: Script != TrainerScript.SucceedSilently, cancellationToken);
                _executions[executionId] = TrainerExecutionState.Succeeded;
                break;
            case TrainerScript.Fail:
                await WriteStatusAsync(runId, TrainingRunOutcome.Failed, "train.jsonl line 3: the label is missing.", cancellationToken);
                await Client!.RaiseEventAsync(runId, TrainingOrchestration.TrainerEndedEvent, new TrainerEnded(TrainingRunOutcome.Failed, "train.jsonl line 3: the label is missing."), cancellationToken);
                _executions[executionId] = TrainerExecutionState.Succeeded;
                break;
        }

        return executionId;
    }

    public Task<TrainerExecutionState> GetStateAsync(string runId, string executionId, CancellationToken cancellationToken) =>
        Task.FromResult(_executions.GetValueOrDefault(executionId, TrainerExecutionState.Missing));

    public Task StopAsync(string runId, string executionId, CancellationToken cancellationToken)
    {
        Stopped.Add(executionId);
        _executions[executionId] = TrainerExecutionState.Stopped;
        return Task.CompletedTask;
    }

    private async Task SucceedAsync(string runId, bool postEvent, CancellationToken cancellationToken)
    {
        var training = blobs.GetBlobContainerClient(TrainingStorage.Container);
        var job = TrainingJob.Parse((await training.GetBlobClient(TrainingStorage.Job(runId)).DownloadContentAsync(cancellationToken)).Value.Content.ToString(), runId);
        var package = TinyModels.WriteKeywordClassifierPackage(Path.Combine(work, runId + "-candidate"));
        foreach (var file in Directory.EnumerateFiles(package, "*", SearchOption.AllDirectories)
                     .Select(p => Path.GetRelativePath(package, p)).OrderBy(p => p == PackageFiles.Manifest ? 1 : 0))
        {
            await training.GetBlobClient(TrainingStorage.Candidate(runId) + file).UploadAsync(Path.Combine(package, file), overwrite: true, cancellationToken);
        }

        ProductionScores? production = null;
        string? skipped = $"no production version of model '{job.Model}'";
        try
        {
            var version = await registry.ResolveVersionAsync(job.Model, "production", cancellationToken);
            production = new ProductionScores(version, ProductionScores.Accuracy, ProductionScores.MacroF1);
            skipped = null;
        }
        catch (Serverless.Errors.ModelNotFoundException)
        {
        }

        var evaluation = new TrainingEvaluation("test", "cpu", 20, CandidateScores, production, skipped);
        await training.GetBlobClient(TrainingStorage.Evaluation(runId)).UploadAsync(
            BinaryData.FromString(JsonSerializer.Serialize(evaluation, TrainingJob.JsonOptions)), overwrite: true, cancellationToken);
        await training.GetBlobClient(TrainingStorage.Checkpoints(runId) + "latest.json").UploadAsync(BinaryData.FromString("{}"), overwrite: true, cancellationToken);
        await WriteStatusAsync(runId, TrainingRunOutcome.Succeeded, null, cancellationToken);
        if (postEvent)
        {
            await Client!.RaiseEventAsync(runId, TrainingOrchestration.TrainerEndedEvent, new TrainerEnded(TrainingRunOutcome.Succeeded, null), cancellationToken);
        }
    }

    private async Task WriteStatusAsync(string runId, string outcome, string? error, CancellationToken cancellationToken)
    {
        var status = new TrainingRunStatus { Id = runId, Status = outcome, Stage = outcome == TrainingRunOutcome.Succeeded ? "done" : "failed", Error = error, Device = "cpu", UpdatedAt = DateTimeOffset.UtcNow };
        await blobs.GetBlobContainerClient(TrainingStorage.Container).GetBlobClient(TrainingStorage.Status(runId)).UploadAsync(
            BinaryData.FromString(JsonSerializer.Serialize(status, TrainingJob.JsonOptions)), overwrite: true, cancellationToken);
    }
}
