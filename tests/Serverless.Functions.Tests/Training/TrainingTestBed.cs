using System.Text.Json;
using Azure.Storage.Blobs;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Functions.Observability;
using Serverless.Functions.Training;
using Serverless.Options;
using Serverless.Registry;
using Serverless.Testing;
using Serverless.Training;

namespace Serverless.Functions.Tests.Training;

/// <summary>
/// The training orchestration on the Durable Task test host with its real activities on Azurite (registry, run blobs);
/// only the trainer is played by <see cref="ScriptedTrainer"/>, which writes what the real trainer writes.
/// </summary>
internal sealed class TrainingTestBed : IAsyncDisposable
{
    private readonly DurableTaskTestHost _host;
    private readonly string _work;

    private TrainingTestBed(DurableTaskTestHost host, string work, BlobServiceClient blobs, BlobModelRegistry registry, ScriptedTrainer trainer)
    {
        _host = host;
        _work = work;
        Blobs = blobs;
        Registry = registry;
        Trainer = trainer;
    }

    public BlobServiceClient Blobs { get; }
    public BlobModelRegistry Registry { get; }
    public ScriptedTrainer Trainer { get; }
    public DurableTaskClient Client => _host.Client;

    /// <summary>Hooks the test may set to act around an activity (a fault, a concurrent alias move).</summary>
    public Func<PublishCandidateRequest, Task>? AfterPublish { get; set; }
    public Func<PointAliasRequest, Task>? BeforePointAlias { get; set; }

    public static async Task<TrainingTestBed> StartAsync(AzuriteFixture azurite)
    {
        var work = Directory.CreateTempSubdirectory("training-orchestration-").FullName;
        var blobs = new BlobServiceClient(azurite.ConnectionString);
        var options = Microsoft.Extensions.Options.Options.Create(new RegistryOptions { Container = azurite.UniqueName("models"), CacheDirectory = Path.Combine(work, "cache") });
        var registry = new BlobModelRegistry(blobs, options, NullLogger<BlobModelRegistry>.Instance);
        var runs = new TrainingRunBlobs(blobs);
        var trainer = new ScriptedTrainer(blobs, registry, work);
        var metrics = new FunctionsMetrics(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        var activities = new TrainingActivities(runs, registry, trainer, metrics, NullLogger<TrainingActivities>.Instance);
        TrainingTestBed? bed = null;
        var host = await DurableTaskTestHost.StartAsync(registry =>
        {
            registry.AddOrchestratorFunc<TrainingRunInput, TrainingRunSnapshot>(TrainingOrchestration.Name, (context, input) => TrainingOrchestration.RunAsync(context, input!));
            registry.AddActivityFunc<string, string>(TrainingActivities.CheckDataName, (_, runId) => activities.CheckData(runId!, CancellationToken.None));
            registry.AddActivityFunc<string, string>(TrainingActivities.StartTrainerName, (_, runId) => activities.StartTrainer(runId!, CancellationToken.None));
            registry.AddActivityFunc<TrainerExecution, TrainerProbe>(TrainingActivities.ProbeTrainerName, (_, execution) => activities.ProbeTrainer(execution!, CancellationToken.None));
            registry.AddActivityFunc<TrainerExecution>(TrainingActivities.StopTrainerName, (_, execution) => activities.StopTrainer(execution!, CancellationToken.None));
            registry.AddActivityFunc<string, TrainingEvaluation>(TrainingActivities.ReadEvaluationName, (_, runId) => activities.ReadEvaluation(runId!, CancellationToken.None));
            registry.AddActivityFunc<PublishCandidateRequest, string>(TrainingActivities.PublishCandidateName, async (_, request) =>
            {
                var version = await activities.PublishCandidate(request!, CancellationToken.None);
                if (bed?.AfterPublish is { } hook)
                {
                    await hook(request!);
                }

                return version;
            });
            registry.AddActivityFunc<PointAliasRequest, PointAliasResult>(TrainingActivities.PointAliasName, async (_, request) =>
            {
                if (bed?.BeforePointAlias is { } hook)
                {
                    await hook(request!);
                }

                return await activities.PointAlias(request!, CancellationToken.None);
            });
            registry.AddActivityFunc<FinishRunRequest>(TrainingActivities.FinishRunName, (_, request) => activities.FinishRun(request!, CancellationToken.None));
        });
        trainer.Client = host.Client;
        bed = new TrainingTestBed(host, work, blobs, registry, trainer);
        return bed;
    }

    /// <summary>Stages a job (with a small valid dataset) as POST /api/training would, and starts the run.</summary>
    public async Task<string> StartRunAsync(string model, TrainingGate? gate = null, string? dataset = null,
        TimeSpan? deadline = null, int maxTrainerStarts = 3)
    {
        var runId = "run-" + Guid.NewGuid().ToString("N")[..12];
        var datasetLocation = dataset ?? await UploadDatasetAsync(ValidDataset());
        var job = new TrainingJob { RunId = runId, Model = model, Dataset = datasetLocation, Gate = gate ?? new TrainingGate() };
        await new TrainingRunBlobs(Blobs).StageJobAsync(job, CancellationToken.None);
        var input = new TrainingRunInput(runId, model, job.Gate, deadline ?? TimeSpan.FromMinutes(2),
            PollInterval: TimeSpan.FromMilliseconds(500), MaxPollInterval: TimeSpan.FromSeconds(1), maxTrainerStarts);
        await Client.ScheduleNewOrchestrationInstanceAsync(TrainingOrchestration.Name, input, new StartOrchestrationOptions(runId));
        return runId;
    }

    public async Task<TrainingRunSnapshot> WaitForEndAsync(string runId)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        OrchestrationMetadata instance;
        try
        {
            instance = await Client.WaitForInstanceCompletionAsync(runId, getInputsAndOutputs: true, timeout.Token);
        }
        catch (OperationCanceledException)
        {
            var stuck = await Client.GetInstanceAsync(runId, getInputsAndOutputs: true);
            throw new TimeoutException($"Run {runId} did not end: {stuck?.RuntimeStatus}, custom status {stuck?.SerializedCustomStatus}, trainer starts {Trainer.Starts}.");
        }

        Assert.True(instance.RuntimeStatus == OrchestrationRuntimeStatus.Completed, $"{instance.RuntimeStatus}: {instance.FailureDetails?.ErrorType} {instance.FailureDetails?.ErrorMessage}");
        return instance.ReadOutputAs<TrainingRunSnapshot>()!;
    }

    public async Task<TrainingRunSnapshot> WaitForStatusAsync(string runId, string status)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            var instance = await Client.GetInstanceAsync(runId, getInputsAndOutputs: true);
            if (instance?.SerializedCustomStatus is not null && instance.ReadCustomStatusAs<TrainingRunSnapshot>() is { } snapshot && snapshot.Status == status)
            {
                return snapshot;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"Run {runId} never reached {status}.");
    }

    /// <summary>Publishes a version of <paramref name="model"/> and points production at it.</summary>
    public async Task<string> PublishProductionAsync(string model)
    {
        var package = TinyModels.WriteKeywordClassifierPackage(Path.Combine(_work, Guid.NewGuid().ToString("N")));
        var published = await Registry.PublishDirectoryAsync(model, package, CancellationToken.None);
        await Registry.SetAliasAsync(model, "production", published.Version, CancellationToken.None);
        return published.Version;
    }

    public async Task<IReadOnlyList<string>> VersionsAsync(string model) =>
        (await Registry.ListModelsAsync(CancellationToken.None)).FirstOrDefault(m => m.Name == model)?.Versions ?? [];

    public async Task<IReadOnlyDictionary<string, string>> AliasesAsync(string model) =>
        (await Registry.GetAliasesAsync(model, CancellationToken.None)).Aliases;

    public async Task<string> UploadDatasetAsync(string jsonl)
    {
        var container = Blobs.GetBlobContainerClient("datasets");
        await container.CreateIfNotExistsAsync();
        var name = $"tests/{Guid.NewGuid():N}.jsonl";
        await container.GetBlobClient(name).UploadAsync(BinaryData.FromString(jsonl));
        return $"datasets/{name}";
    }

    public static string ValidDataset() => string.Join('\n', Enumerable.Range(0, 60).Select(i =>
        JsonSerializer.Serialize(new { text = i % 2 == 0 ? $"win free money now {i}" : $"meeting notes for tuesday {i}", label = i % 2 == 0 ? "spam" : "ham" })));

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }
}
