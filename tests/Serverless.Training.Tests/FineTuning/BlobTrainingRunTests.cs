using System.Text.Json;
using System.Text.Json.Nodes;

using Azure.Storage.Blobs;
using Azure.Storage.Queues;

using Microsoft.Extensions.Logging.Abstractions;

using Serverless.Options;
using Serverless.Registry;
using Serverless.Testing;
using Serverless.Training.FineTuning;

namespace Serverless.Training.Tests.FineTuning;

[Collection(AzuriteCollection.Name)]
public sealed class BlobTrainingRunTests(AzuriteFixture azurite) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("blob-run-").FullName;
    private readonly string _training = azurite.UniqueName("training");
    private readonly string _models = azurite.UniqueName("models");
    private readonly string _datasets = azurite.UniqueName("datasets");
    private readonly string _events = azurite.UniqueName("training-events");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task Run_JobInBlobStorage_WritesStatusCheckpointsCandidateAndPostsSucceeded()
    {
        var cancellationToken = AzuriteFixture.TestTimeout();
        await PrepareAsync("run-ok", ToyTask.Examples(60, 1).Select(e => JsonSerializer.Serialize(new { text = e.Text, label = e.Label })), cancellationToken);

        var status = await RunAsync("run-ok", cancellationToken);

        Assert.True(status.Status == TrainingRunOutcome.Succeeded, status.Error);
        var training = new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(_training);
        var written = JsonNode.Parse((await training.GetBlobClient("run-ok/status.json").DownloadContentAsync(cancellationToken)).Value.Content.ToString())!;
        Assert.Equal("Succeeded", written["status"]!.GetValue<string>());
        Assert.Equal($"{_training}/run-ok/candidate/", written["candidate"]!.GetValue<string>());
        Assert.True(await training.GetBlobClient("run-ok/candidate/manifest.json").ExistsAsync(cancellationToken));
        Assert.True(await training.GetBlobClient("run-ok/candidate/model.onnx").ExistsAsync(cancellationToken));
        Assert.True(await training.GetBlobClient("run-ok/checkpoints/trial-1/latest.json").ExistsAsync(cancellationToken));
        var message = await NextEventAsync(cancellationToken);
        Assert.Equal("run-ok", message["runId"]!.GetValue<string>());
        Assert.Equal("Succeeded", message["status"]!.GetValue<string>());
        var evaluation = await ReadEvaluationAsync("run-ok", cancellationToken);
        Assert.Equal(written["metrics"]!["accuracy"]!.GetValue<double>(), evaluation.Candidate.Accuracy, 6);
        Assert.Equal(written["metrics"]!["macro_f1"]!.GetValue<double>(), evaluation.Candidate.MacroF1, 6);
        Assert.Null(evaluation.Production);
        Assert.Equal("no production version of model 'toy'", evaluation.ProductionSkipped);
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task Run_ProductionAliasInTheRegistry_ScoresThatVersionBesideTheCandidateOnTheTestSplit()
    {
        var cancellationToken = AzuriteFixture.TestTimeout();
        // The keyword classifier answers short toy texts right by construction, so its scores on them are known.
        string[] test = [.. TinyModels.SpamKeywords.Select(k => Line($"hello {k} world", "spam")), .. TinyModels.SpamKeywords.Select(_ => Line("hello good world", "ham"))];
        await PrepareAsync("run-prod", ToyTask.Examples(60, 1).Select(e => Line(e.Text, e.Label)), cancellationToken,
            mode: "head", test: test, production: directory => TinyModels.WriteKeywordClassifierPackage(directory));

        var status = await RunAsync("run-prod", cancellationToken);

        Assert.True(status.Status == TrainingRunOutcome.Succeeded, status.Error);
        var evaluation = await ReadEvaluationAsync("run-prod", cancellationToken);
        Assert.Equal("test", evaluation.Split);
        Assert.Equal(test.Length, evaluation.Texts);
        Assert.Equal(status.Metrics!["accuracy"]!.GetValue<double>(), evaluation.Candidate.Accuracy, 6);
        Assert.Equal(status.Metrics["macro_f1"]!.GetValue<double>(), evaluation.Candidate.MacroF1, 6);
        Assert.Null(evaluation.ProductionSkipped);
        var production = Assert.IsType<ProductionScores>(evaluation.Production);
        Assert.Equal("1", production.Version);
        Assert.Equal(1.0, production.Accuracy);
        Assert.Equal(1.0, production.MacroF1);
        var training = new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(_training);
        var written = JsonNode.Parse((await training.GetBlobClient("run-prod/status.json").DownloadContentAsync(cancellationToken)).Value.Content.ToString())!;
        Assert.Equal("1", written["metrics"]!["evaluation"]!["production"]!["version"]!.GetValue<string>());
        Assert.Equal("head", written["progress"]!["phase"]!.GetValue<string>());
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task Run_ProductionWithOtherLabels_SkipsTheComparisonSayingWhy()
    {
        var cancellationToken = AzuriteFixture.TestTimeout();
        await PrepareAsync("run-labels", ToyTask.Examples(60, 1).Select(e => Line(e.Text, e.Label)), cancellationToken,
            mode: "head", production: directory => TinyModels.WriteClassifierPackage(directory, ["negative", "positive"]));

        var status = await RunAsync("run-labels", cancellationToken);

        Assert.True(status.Status == TrainingRunOutcome.Succeeded, status.Error);
        var evaluation = await ReadEvaluationAsync("run-labels", cancellationToken);
        Assert.Null(evaluation.Production);
        Assert.Equal("production version 1 has labels [negative,positive] and the candidate [ham,spam]: not comparable", evaluation.ProductionSkipped);
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task Run_SingleClassDatasetInBlobStorage_WritesFailedStatusAndPostsFailedWithTheReason()
    {
        var cancellationToken = AzuriteFixture.TestTimeout();
        await PrepareAsync("run-bad", Enumerable.Range(0, 30).Select(i => JsonSerializer.Serialize(new { text = $"text {i}", label = "ham" })), cancellationToken);

        var status = await RunAsync("run-bad", cancellationToken);

        Assert.Equal(TrainingRunOutcome.Failed, status.Status);
        Assert.Contains("'ham'", status.Error, StringComparison.Ordinal);
        var training = new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(_training);
        var written = JsonNode.Parse((await training.GetBlobClient("run-bad/status.json").DownloadContentAsync(cancellationToken)).Value.Content.ToString())!;
        Assert.Equal("Failed", written["status"]!.GetValue<string>());
        Assert.Equal(status.Error, written["error"]!.GetValue<string>());
        var message = await NextEventAsync(cancellationToken);
        Assert.Equal("run-bad", message["runId"]!.GetValue<string>());
        Assert.Equal("Failed", message["status"]!.GetValue<string>());
        Assert.Equal(status.Error, message["error"]!.GetValue<string>());
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task Run_RestartedAfterTheRunFailedForGood_EndsAtOnceWithTheSameFailureEvenWhenTheDataIsFixed()
    {
        var cancellationToken = AzuriteFixture.TestTimeout();
        await PrepareAsync("run-again", Enumerable.Range(0, 30).Select(i => Line($"text {i}", "ham")), cancellationToken);
        var failed = await RunAsync("run-again", cancellationToken);
        Assert.Equal(TrainingRunOutcome.Failed, failed.Status);
        // Data that would now train: a rerun would succeed, so only the recorded failure can end the restart.
        var datasets = new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(_datasets);
        await datasets.GetBlobClient("toy/train.jsonl").UploadAsync(
            BinaryData.FromString(string.Join('\n', ToyTask.Examples(60, 1).Select(e => Line(e.Text, e.Label)))), overwrite: true, cancellationToken);

        var restarted = await RunAsync("run-again", cancellationToken);

        Assert.Equal(failed, restarted);
        Assert.Equal(RunExitCode.Ended, RunExitCode.Of(restarted));
        var training = new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(_training);
        Assert.DoesNotContain(await ListAsync(training, "run-again/", cancellationToken), n => n.StartsWith("run-again/candidate/", StringComparison.Ordinal));
        var queue = new QueueClient(azurite.ConnectionString, _events);
        var messages = (await queue.ReceiveMessagesAsync(10, cancellationToken: cancellationToken)).Value;
        Assert.Equal(2, messages.Length);
        Assert.All(messages, m => Assert.Equal(failed.Error, JsonNode.Parse(m.Body.ToString())!["error"]!.GetValue<string>()));
    }

    [Theory(Timeout = AzuriteFixture.TestTimeoutMs)]
    [InlineData("/")]
    [InlineData("a//")]
    [InlineData("..\\..\\")]
    public async Task RestoreCheckpoints_BlobNameWithAPathTrick_IsRefusedAndWritesNothingOutsideTheFolder(string trick)
    {
        var cancellationToken = AzuriteFixture.TestTimeout();
        var outside = Path.Combine(_directory, "outside");
        var escaped = trick.StartsWith('/') ? outside.TrimStart('/') + "/escaped.bin" : "escaped.bin";
        var training = new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(_training);
        await training.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        await training.GetBlobClient("run-trick/checkpoints/latest.json").UploadAsync(BinaryData.FromString("{}"), cancellationToken);
        var name = "run-trick/checkpoints/" + trick + escaped;
        await training.GetBlobClient(name).UploadAsync(BinaryData.FromString("x"), cancellationToken);
        // Storage keeps the name as given or with backslashes turned into slashes ("../../escaped.bin"): either is a trick.
        Assert.Equal(2, (await ListAsync(training, "run-trick/", cancellationToken)).Count);
        var storage = TestStorage.Create(azurite.ConnectionString);
        var store = new BlobTrainingRunStore(storage.Models, storage.HostQueues, "run-trick", Path.Combine(_directory, "models"), _training, _events, _models);
        var local = Path.Combine(_directory, "run", "checkpoints");

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => store.RestoreCheckpointsAsync(local, cancellationToken));

        Assert.Contains("cannot be stored in a local folder", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Directory.EnumerateFiles(_directory, "escaped.bin", SearchOption.AllDirectories),
            f => !f.StartsWith(local + Path.DirectorySeparatorChar, StringComparison.Ordinal));
    }

    private static async Task<List<string>> ListAsync(BlobContainerClient container, string prefix, CancellationToken cancellationToken)
    {
        var names = new List<string>();
        await foreach (var item in container.GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = prefix }, cancellationToken))
        {
            names.Add(item.Name);
        }

        return names;
    }

    private static string Line(string text, string label) => JsonSerializer.Serialize(new { text, label });

    private async Task<TrainingEvaluation> ReadEvaluationAsync(string runId, CancellationToken cancellationToken)
    {
        var training = new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(_training);
        var content = (await training.GetBlobClient(TrainingStorage.Evaluation(runId)).DownloadContentAsync(cancellationToken)).Value.Content;
        return JsonSerializer.Deserialize<TrainingEvaluation>(content.ToString(), TrainingJob.JsonOptions)!;
    }

    private async Task PrepareAsync(
        string runId, IEnumerable<string> lines, CancellationToken cancellationToken,
        string? mode = null, string[]? test = null, Func<string, string>? production = null)
    {
        var blobs = new BlobServiceClient(azurite.ConnectionString);
        var registry = new BlobModelRegistry(blobs, Microsoft.Extensions.Options.Options.Create(new RegistryOptions { Container = _models, CacheDirectory = Path.Combine(_directory, "cache") }),
            NullLogger<BlobModelRegistry>.Instance);
        var published = await registry.PublishDirectoryAsync("tiny", TinyModels.WriteBaseEncoderPackage(Path.Combine(_directory, "base")), cancellationToken);
        if (production is not null)
        {
            var current = await registry.PublishDirectoryAsync("toy", production(Path.Combine(_directory, "production")), cancellationToken);
            await registry.SetAliasAsync("toy", "production", current.Version, cancellationToken);
        }

        var datasets = blobs.GetBlobContainerClient(_datasets);
        await datasets.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        await datasets.GetBlobClient("toy/train.jsonl").UploadAsync(BinaryData.FromString(string.Join('\n', lines)), cancellationToken);
        if (test is not null)
        {
            await datasets.GetBlobClient("toy/test.jsonl").UploadAsync(BinaryData.FromString(string.Join('\n', test)), cancellationToken);
        }

        var training = blobs.GetBlobContainerClient(_training);
        await training.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        var job = new JsonObject
        {
            ["runId"] = runId,
            ["model"] = "toy",
            ["base"] = $"tiny@{published.Version}",
            ["dataset"] = $"{_datasets}/toy/train.jsonl",
            ["testDataset"] = test is null ? null : $"{_datasets}/toy/test.jsonl",
            ["hyperparameters"] = new JsonObject { ["mode"] = mode ?? "full", ["epochs"] = 1, ["batchSize"] = 16, ["maxLength"] = 32, ["learningRate"] = 1e-3 },
        };
        await training.GetBlobClient($"{runId}/job.json").UploadAsync(BinaryData.FromString(job.ToJsonString()), cancellationToken);
    }

    private Task<TrainingRunStatus> RunAsync(string runId, CancellationToken cancellationToken)
    {
        var work = Path.Combine(_directory, "work-" + runId);
        var storage = TestStorage.Create(azurite.ConnectionString);
        var store = new BlobTrainingRunStore(storage.Models, storage.HostQueues, runId, Path.Combine(work, "models"), _training, _events, _models);
        return new FineTuningRun(store, new FineTuningRunOptions { WorkDirectory = work, Device = "cpu", Threads = 1 }, NullLoggerFactory.Instance)
            .RunAsync(null, cancellationToken);
    }

    private async Task<JsonNode> NextEventAsync(CancellationToken cancellationToken)
    {
        var queue = new QueueClient(azurite.ConnectionString, _events);
        var messages = (await queue.ReceiveMessagesAsync(1, cancellationToken: cancellationToken)).Value;
        return JsonNode.Parse(Assert.Single(messages).Body.ToString())!;
    }
}
