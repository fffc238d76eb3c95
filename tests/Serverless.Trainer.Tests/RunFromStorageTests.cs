using System.Text.Json;
using System.Text.Json.Nodes;

using Azure.Storage.Blobs;
using Azure.Storage.Queues;

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

using Serverless.Cli;
using Serverless.Options;
using Serverless.Registry;
using Serverless.Testing;
using Serverless.Training;

namespace Serverless.Trainer.Tests;

[CollectionDefinition(AzuriteCollection.Name)]
public sealed class AzuriteTests : AzuriteCollection;

/// <summary><c>run --run-id</c> as the Container Apps job starts it: the job, its dataset and base from storage, the results back there.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class RunFromStorageTests(AzuriteFixture azurite) : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("trainer-run-id-");
    private readonly string _models = azurite.UniqueName("models");
    private readonly string _datasets = azurite.UniqueName("datasets");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact(Timeout = 2 * AzuriteFixture.TestTimeoutMs)]
    public async Task Run_RunIdWithItsJobBlob_WritesStatusAndCandidateToStorageAndPostsTheEvent()
    {
        using var timeout = new CancellationTokenSource(2 * AzuriteFixture.TestTimeoutMs);
        var runId = azurite.UniqueName("cli-run");
        var blobs = new BlobServiceClient(azurite.ConnectionString);
        await PrepareAsync(blobs, runId, timeout.Token);
        using var output = new StringWriter();
        using var error = new StringWriter();
        var root = TrainerCommandLine.Create(configuration => configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["Registry:Container"] = _models,
        }));

        var exitCode = await CommandLineApp.InvokeAsync(
            root, ["run", "--run-id", runId, "--work", Path.Combine(_directory.FullName, "work"), "--device", "cpu", "--threads", "1"],
            output, error, timeout.Token);

        Assert.True(exitCode == 0, error.ToString());
        Assert.Contains($"Run {runId} succeeded", output.ToString(), StringComparison.Ordinal);
        var training = blobs.GetBlobContainerClient(TrainingStorage.Container);
        var status = JsonNode.Parse((await training.GetBlobClient($"{runId}/status.json").DownloadContentAsync(timeout.Token)).Value.Content.ToString())!;
        Assert.Equal("Succeeded", status["status"]!.GetValue<string>());
        Assert.Equal($"{TrainingStorage.Container}/{runId}/candidate/", status["candidate"]!.GetValue<string>());
        Assert.True(await training.GetBlobClient($"{runId}/candidate/manifest.json").ExistsAsync(timeout.Token));
        Assert.True(await training.GetBlobClient($"{runId}/candidate/model.onnx").ExistsAsync(timeout.Token));
        // The events queue is the default one, which other runs may share: the event is found by its run id.
        var queue = new QueueClient(azurite.ConnectionString, TrainingStorage.EventsQueue);
        var events = (await queue.PeekMessagesAsync(32, timeout.Token)).Value.Select(m => JsonNode.Parse(m.Body.ToString())!);
        var posted = Assert.Single(events, e => e["runId"]?.GetValue<string>() == runId);
        Assert.Equal("Succeeded", posted["status"]!.GetValue<string>());
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task Run_RunIdWithoutStorageSettings_ExitsTwoSayingWhatToSet()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        // Empty settings override whatever the environment of the test process holds.
        var root = TrainerCommandLine.Create(configuration => configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = "",
            ["Registry:ConnectionString"] = "",
        }));

        var exitCode = await CommandLineApp.InvokeAsync(
            root, ["run", "--run-id", "reviews-1", "--work", Path.Combine(_directory.FullName, "work")], output, error, AzuriteFixture.TestTimeout());

        Assert.Equal(CommandLineApp.UsageError, exitCode);
        Assert.Contains("AzureWebJobsStorage", error.ToString(), StringComparison.Ordinal);
    }

    /// <summary>The tiny base encoder in the registry as <c>tiny</c>, a head-only job over the tiny texts at training/{runId}/job.json.</summary>
    private async Task PrepareAsync(BlobServiceClient blobs, string runId, CancellationToken cancellationToken)
    {
        var registry = new BlobModelRegistry(
            blobs,
            Microsoft.Extensions.Options.Options.Create(new RegistryOptions { Container = _models, CacheDirectory = Path.Combine(_directory.FullName, "cache") }),
            NullLogger<BlobModelRegistry>.Instance);
        var published = await registry.PublishDirectoryAsync(
            "tiny", TinyModels.WriteBaseEncoderPackage(Path.Combine(_directory.FullName, "base"), maxLength: 32), cancellationToken);

        var datasets = blobs.GetBlobContainerClient(_datasets);
        await datasets.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        await datasets.GetBlobClient("tiny/train.jsonl").UploadAsync(
            BinaryData.FromString(string.Join('\n', TinyData.Create().Examples.Select(e => JsonSerializer.Serialize(new { text = e.Text, label = e.Label })))),
            cancellationToken);

        var training = blobs.GetBlobContainerClient(TrainingStorage.Container);
        await training.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        var job = new JsonObject
        {
            ["runId"] = runId,
            ["model"] = "tiny-spam",
            ["base"] = $"tiny@{published.Version}",
            ["dataset"] = $"{_datasets}/tiny/train.jsonl",
            ["hyperparameters"] = new JsonObject { ["mode"] = "head", ["epochs"] = 1, ["batchSize"] = 16, ["maxLength"] = 32 },
        };
        await training.GetBlobClient($"{runId}/job.json").UploadAsync(BinaryData.FromString(job.ToJsonString()), cancellationToken);
    }
}
