using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Serverless.Errors;
using Serverless.Functions.Http;
using Serverless.Registry;
using Serverless.Training;
using Serverless.Training.Data;

namespace Serverless.Functions.Training;

/// <summary>
/// Training runs as the HTTP API sees them: accept a request (validated, idempotent by run id, one active run per model),
/// read a run's status document, list runs, approve and cancel. Each run is a durable orchestration whose instance id is
/// the run id. Thread-safe.
/// </summary>
public sealed class TrainingRuns(
    TrainingRunBlobs runs, BlobModelRegistry registry, IOptions<TrainingOptions> options, TimeProvider time, ILogger<TrainingRuns> logger)
{
    /// <summary>The route of the runs, under the <c>api</c> prefix.</summary>
    public const string RoutePrefix = "/api/training/";

    private static readonly OrchestrationRuntimeStatus[] s_active =
        [OrchestrationRuntimeStatus.Pending, OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Suspended];

    /// <summary>
    /// Accepts a run: validates the body (a missing dataset or base is a 400 too), answers an existing run with the same
    /// run id and body as it is, stages job.json and starts the orchestration.
    /// </summary>
    /// <returns>The run, and true when this call created it.</returns>
    /// <exception cref="InvalidRequestException">The body is invalid.</exception>
    /// <exception cref="TrainingRunConflictException">The run id exists with another body, or the model has an active run.</exception>
    public async Task<(TrainingRunAccepted Run, bool Created)> StartAsync(DurableTaskClient client, string body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var job = Parse(body);
        await CheckReferencesAsync(job, cancellationToken);

        if (await client.GetInstanceAsync(job.RunId, getInputsAndOutputs: false, cancellationToken) is { } existing)
        {
            var stored = await runs.ReadJobAsync(job.RunId, cancellationToken);
            return stored is not null && TrainingRunBlobs.Canonical(stored) == TrainingRunBlobs.Canonical(job)
                ? (Accepted(job.RunId, StatusOf(existing)), false)
                : throw new TrainingRunConflictException($"Run '{job.RunId}' already exists with a different request: choose another runId, or send the same body to get that run.");
        }

        await foreach (var active in client.GetAllInstancesAsync(new OrchestrationQuery { Statuses = s_active, FetchInputsAndOutputs = true }).WithCancellation(cancellationToken))
        {
            if (active.Name == TrainingOrchestration.Name && active.ReadInputAs<TrainingRunInput>()?.Model == job.Model)
            {
                throw new TrainingRunConflictException($"Model '{job.Model}' already has an active run, '{active.InstanceId}': wait for it to end or cancel it (POST {RoutePrefix}{active.InstanceId}/cancel).");
            }
        }

        await runs.StageJobAsync(job, cancellationToken);
        var settings = options.Value;
        var input = new TrainingRunInput(job.RunId, job.Model, job.Gate, settings.Deadline, settings.PollInterval, settings.MaxPollInterval, settings.MaxTrainerStarts);
        try
        {
            await client.ScheduleNewOrchestrationInstanceAsync(TrainingOrchestration.Name, input, new StartOrchestrationOptions(job.RunId), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            if (await client.GetInstanceAsync(job.RunId, false, cancellationToken) is null)
            {
                throw;
            }

            // The same run id was started by a concurrent request a moment ago.
            throw new TrainingRunConflictException($"Run '{job.RunId}' was started by another request at the same time: GET {RoutePrefix}{job.RunId} to follow it.");
        }

        Log.RunAccepted(logger, job.RunId, job.Model);
        return (Accepted(job.RunId, TrainingRunStatuses.Pending), true);
    }

    /// <summary>The status document of a run, with live progress from the trainer's status.json.</summary>
    /// <exception cref="TrainingRunNotFoundException">There is no such run.</exception>
    public async Task<TrainingRunView> GetAsync(DurableTaskClient client, string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var instance = await FindAsync(client, id, cancellationToken);
        return await ViewAsync(instance, withProgress: true, cancellationToken);
    }

    /// <summary>Runs newest first, optionally of one model; at most <paramref name="top"/> (1-100).</summary>
    public async Task<IReadOnlyList<TrainingRunView>> ListAsync(DurableTaskClient client, string? model, int top, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (model is not null)
        {
            Serverless.Options.ModelNames.Validate(model);
        }

        var found = new List<OrchestrationMetadata>();
        await foreach (var instance in client.GetAllInstancesAsync(new OrchestrationQuery { FetchInputsAndOutputs = true }).WithCancellation(cancellationToken))
        {
            if (instance.Name == TrainingOrchestration.Name && (model is null || instance.ReadInputAs<TrainingRunInput>()?.Model == model))
            {
                found.Add(instance);
            }
        }

        var views = new List<TrainingRunView>();
        foreach (var instance in found.OrderByDescending(i => i.CreatedAt).Take(top))
        {
            views.Add(await ViewAsync(instance, withProgress: false, cancellationToken));
        }

        return views;
    }

    /// <summary>Approves or refuses a run that awaits approval.</summary>
    /// <exception cref="TrainingRunConflictException">The run does not await approval.</exception>
    public async Task<TrainingRunView> ApproveAsync(DurableTaskClient client, string id, bool approved, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var instance = await FindAsync(client, id, cancellationToken);
        var status = StatusOf(instance);
        if (status != TrainingRunStatuses.AwaitingApproval)
        {
            throw new TrainingRunConflictException($"Run '{id}' is {status}; only a run that is {TrainingRunStatuses.AwaitingApproval} can be approved or refused.");
        }

        await client.RaiseEventAsync(id, TrainingOrchestration.ApprovalEvent, new ApprovalDecision(approved), cancellationToken);
        Log.RunControlled(logger, id, approved ? "approval" : "refusal");
        return await ViewAsync(instance, withProgress: false, cancellationToken);
    }

    /// <summary>Cancels a run that is pending or running: the trainer is stopped and the run ends Canceled.</summary>
    /// <exception cref="TrainingRunConflictException">The run has ended or awaits approval.</exception>
    public async Task<TrainingRunView> CancelAsync(DurableTaskClient client, string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var instance = await FindAsync(client, id, cancellationToken);
        var status = StatusOf(instance);
        if (status is not (TrainingRunStatuses.Pending or TrainingRunStatuses.Running))
        {
            throw new TrainingRunConflictException(status == TrainingRunStatuses.AwaitingApproval
                ? $"Run '{id}' awaits approval: refuse it with POST {RoutePrefix}{id}/approve and {{\"approved\":false}}."
                : $"Run '{id}' has ended ({status}); there is nothing to cancel.");
        }

        await client.RaiseEventAsync(id, TrainingOrchestration.CancelEvent, null, cancellationToken);
        Log.RunControlled(logger, id, "cancel");
        return await ViewAsync(instance, withProgress: false, cancellationToken);
    }

    // Without a runId in the body the service makes one from the time.
    private TrainingJob Parse(string body) => TrainingJob.Parse(body, NewRunId());

    private string NewRunId() =>
        $"run-{time.GetUtcNow().ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}";

    private async Task CheckReferencesAsync(TrainingJob job, CancellationToken cancellationToken)
    {
        foreach (var (field, location) in new[] { ("dataset", job.Dataset), ("validationDataset", job.ValidationDataset), ("testDataset", job.TestDataset) })
        {
            if (location is null)
            {
                continue;
            }

            bool exists;
            try
            {
                exists = await runs.DatasetExistsAsync(location, cancellationToken);
            }
            catch (DatasetException ex)
            {
                throw new InvalidRequestException($"{field}: {ex.Message}", ProblemTypes.InvalidDataset);
            }

            if (!exists)
            {
                throw new InvalidRequestException($"{field}: the blob '{CallerInput.Excerpt(location)}' does not exist: upload the dataset first (container/path, JSONL or CSV).", ProblemTypes.InvalidDataset);
            }
        }

        var reference = job.Base ?? options.Value.DefaultBase;
        var (name, versionOrAlias) = RegistryNames.ParseReference(reference);
        if (!Serverless.Options.ModelNames.IsValid(name) || versionOrAlias.Length == 0)
        {
            throw new InvalidRequestException($"base: '{CallerInput.Excerpt(reference)}' is not a model reference: use \"name\", \"name@version\" or \"name@alias\", e.g. \"minilm@1\".");
        }

        try
        {
            await registry.ResolveVersionAsync(name, versionOrAlias, cancellationToken);
        }
        catch (ModelNotFoundException ex)
        {
            throw new InvalidRequestException($"base: {ProblemDetailsMapper.DetailOf(ex)}", ProblemTypes.BaseNotFound);
        }
    }

    private static async Task<OrchestrationMetadata> FindAsync(DurableTaskClient client, string id, CancellationToken cancellationToken) =>
        (TrainingJob.IsValidRunId(id) ? await client.GetInstanceAsync(id, getInputsAndOutputs: true, cancellationToken) : null) is { Name: TrainingOrchestration.Name } instance
            ? instance
            : throw new TrainingRunNotFoundException($"There is no training run '{CallerInput.Excerpt(id)}': GET {RoutePrefix.TrimEnd('/')} lists the runs.");

    private async Task<TrainingRunView> ViewAsync(OrchestrationMetadata instance, bool withProgress, CancellationToken cancellationToken)
    {
        var snapshot = Snapshot(instance);
        var status = StatusOf(instance);
        var trainer = withProgress ? await runs.ReadStatusAsync(instance.InstanceId, cancellationToken) : null;
        var stage = snapshot?.Stage ?? "queued";
        if (status == TrainingRunStatuses.Running && stage == "training" && trainer?.Stage is { } trainerStage)
        {
            // While the trainer works, its own stage says more (preparing, training, evaluating, exporting, parity, packaging).
            stage = trainerStage;
        }

        var evaluation = snapshot?.Evaluation;
        return new TrainingRunView
        {
            Id = instance.InstanceId,
            Model = snapshot?.Model ?? instance.ReadInputAs<TrainingRunInput>()?.Model ?? "",
            Status = status,
            Stage = TrainingRunStatuses.IsEnded(status) ? "done" : stage,
            Data = snapshot?.Data,
            Progress = trainer?.Progress,
            Metrics = trainer?.Metrics,
            Choices = trainer?.Choices,
            Evaluation = evaluation is null ? null : new TrainingEvaluationView(evaluation.Split, evaluation.Device, evaluation.Texts,
                evaluation.Candidate, evaluation.Production, evaluation.ProductionSkipped, snapshot?.Gate, evaluation.CandidateWindows),
            Result = snapshot?.Result,
            Error = status == TrainingRunStatuses.Failed && snapshot?.Error is null
                ? instance.FailureDetails?.ErrorMessage ?? "The run failed; see the function app's logs."
                : snapshot?.Error,
            Device = trainer?.Device ?? evaluation?.Device,
            CreatedAt = instance.CreatedAt,
            UpdatedAt = instance.LastUpdatedAt,
        };
    }

    private static TrainingRunSnapshot? Snapshot(OrchestrationMetadata instance)
    {
        try
        {
            return instance.RuntimeStatus == OrchestrationRuntimeStatus.Completed && instance.SerializedOutput is not null
                ? instance.ReadOutputAs<TrainingRunSnapshot>()
                : instance.SerializedCustomStatus is not null ? instance.ReadCustomStatusAs<TrainingRunSnapshot>() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string StatusOf(OrchestrationMetadata instance) => instance.RuntimeStatus switch
    {
        OrchestrationRuntimeStatus.Pending => TrainingRunStatuses.Pending,
        OrchestrationRuntimeStatus.Completed => Snapshot(instance)?.Status ?? TrainingRunStatuses.Failed,
        OrchestrationRuntimeStatus.Failed => TrainingRunStatuses.Failed,
        OrchestrationRuntimeStatus.Terminated => TrainingRunStatuses.Canceled,
        _ => Snapshot(instance)?.Status ?? TrainingRunStatuses.Running,
    };

    private static TrainingRunAccepted Accepted(string id, string status) => new(id, RoutePrefix + id, status);
}
