using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Azure.Storage.Blobs;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Registry;
using Serverless.Testing;

namespace Serverless.LocalHost.Tests;

/// <summary>
/// The learning loop end to end through the local host on Azurite: the real function app, the Durable Task engine, the local
/// runner starting the real trainer program, a tiny base encoder and dataset — POST /api/training to a served version.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class TrainingLoopTests(AzuriteFixture azurite) : IDisposable
{
    private const int Timeout = 300_000;
    private readonly string _work = Directory.CreateTempSubdirectory("training-loop-").FullName;
    private readonly string _models = azurite.UniqueName("models");
    private readonly string _hub = "Loop" + Guid.NewGuid().ToString("N")[..16];

    [Fact(Timeout = Timeout)]
    public async Task PostTraining_TinyDataset_IsPublishedToProductionAndTheNewVersionClassifies()
    {
        await using var host = await StartHostAsync();
        using var http = Client(host);
        var dataset = await UploadDatasetAsync(TinyModels.KeywordExamples(400, seed: 1));
        var runId = "loop-" + Guid.NewGuid().ToString("N")[..12];
        var body = $$$"""{"runId":"{{{runId}}}","model":"toy","base":"tinybase@1","dataset":"{{{dataset}}}","hyperparameters":{"mode":"full","epochs":12,"learningRate":0.01,"maxLength":32,"seed":7,"earlyStoppingPatience":0}}""";

        using var accepted = await http.PostAsync("api/training", Json(body));
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var run = await accepted.Content.ReadFromJsonAsync<JsonElement>();
        var id = run.GetProperty("id").GetString()!;
        Assert.Equal(runId, id);
        Assert.Equal($"/api/training/{id}", run.GetProperty("statusUrl").GetString());
        Assert.Equal($"/api/training/{id}", accepted.Headers.Location?.OriginalString);

        // The same runId and body is the same run; the same runId with another body is a conflict.
        using var again = await http.PostAsync("api/training", Json(body));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(id, (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString());
        using var other = await http.PostAsync("api/training", Json(body.Replace("\"epochs\":12", "\"epochs\":3", StringComparison.Ordinal)));
        await AssertProblemAsync(other, HttpStatusCode.Conflict, "run-conflict");

        var status = await WaitForEndAsync(http, id);
        AssertStatus("Published", status);
        Assert.Equal("production", status.GetProperty("result").GetProperty("alias").GetString());
        var version = status.GetProperty("result").GetProperty("version").GetString();
        Assert.Equal("1", version);
        var evaluation = status.GetProperty("evaluation");
        Assert.Equal("test", evaluation.GetProperty("split").GetString());
        Assert.Equal("cpu", evaluation.GetProperty("device").GetString());
        Assert.True(evaluation.GetProperty("candidate").GetProperty("accuracy").GetDouble() >= 0.9, evaluation.ToString());
        Assert.Contains("production comparison skipped", evaluation.GetProperty("gate").GetString(), StringComparison.Ordinal);

        using var classified = await http.PostAsync("api/classify", Json("""{"texts":["click here for free money","see you at the meeting tomorrow"],"model":"toy"}"""));
        Assert.Equal(HttpStatusCode.OK, classified.StatusCode);
        var answer = await classified.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(version, answer.GetProperty("version").GetString());
        Assert.Equal(["spam", "ham"], answer.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("label").GetString()));

        using var list = await http.GetAsync("api/training?model=toy");
        Assert.Contains(id, (await list.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("id").GetString()));
        using var cancel = await http.PostAsync($"api/training/{id}/cancel", null);
        await AssertProblemAsync(cancel, HttpStatusCode.Conflict, "run-conflict");
    }

    [Fact(Timeout = Timeout)]
    public async Task PostTraining_CandidateNoBetterThanProduction_IsRejectedAndProductionStays()
    {
        await using var host = await StartHostAsync();
        using var http = Client(host);
        var registry = host.Services.GetRequiredService<BlobModelRegistry>();
        // The keyword classifier is right on every text of this task by construction: nothing can beat it.
        var production = await registry.PublishDirectoryAsync("toy", TinyModels.WriteKeywordClassifierPackage(Path.Combine(_work, "keyword")), CancellationToken.None);
        await registry.SetAliasAsync("toy", "production", production.Version, CancellationToken.None);
        var dataset = await UploadDatasetAsync(TinyModels.KeywordExamples(80, seed: 2));

        using var accepted = await http.PostAsync("api/training", Json($$$"""{"model":"toy","base":"tinybase","dataset":"{{{dataset}}}","hyperparameters":{"mode":"head","maxLength":32}}"""));
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var id = (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var status = await WaitForEndAsync(http, id);

        AssertStatus("Rejected", status);
        Assert.Equal(production.Version, status.GetProperty("evaluation").GetProperty("production").GetProperty("version").GetString());
        Assert.Equal("2", status.GetProperty("result").GetProperty("version").GetString());
        Assert.Equal(production.Version, (await registry.GetAliasesAsync("toy", CancellationToken.None)).Aliases["production"]);
    }

    [Fact(Timeout = Timeout)]
    public async Task PostTraining_BadRequests_AreRefusedAndABadDatasetFailsBeforeATrainerStarts()
    {
        await using var host = await StartHostAsync();
        using var http = Client(host);

        await AssertProblemAsync(await http.PostAsync("api/training", Json("""{"model":"toy","dataset":"datasets/none.jsonl","base":"tinybase"}""")), HttpStatusCode.BadRequest, "invalid-dataset");
        var dataset = await UploadDatasetAsync(TinyModels.KeywordExamples(40, seed: 3));
        await AssertProblemAsync(await http.PostAsync("api/training", Json($$$"""{"model":"toy","dataset":"{{{dataset}}}","base":"nosuchbase"}""")), HttpStatusCode.BadRequest, "base-not-found");
        await AssertProblemAsync(await http.PostAsync("api/training", Json($$$"""{"model":"toy","dataset":"{{{dataset}}}","base":"tinybase","hyperparameters":{"epochs":0}}""")), HttpStatusCode.BadRequest, "invalid-request");
        await AssertProblemAsync(await http.PostAsync("api/training", Json("""{"dataset":"x/y.jsonl"}""")), HttpStatusCode.BadRequest, "invalid-request");
        await AssertProblemAsync(await http.GetAsync("api/training/no-such-run"), HttpStatusCode.NotFound, "run-not-found");

        // Every row has the same label: the data check fails the run before any trainer starts.
        var oneClass = await UploadDatasetAsync(TinyModels.KeywordExamples(40, seed: 4).Select(e => (e.Text, "ham")).ToList());
        using var accepted = await http.PostAsync("api/training", Json($$$"""{"model":"toy","base":"tinybase","dataset":"{{{oneClass}}}"}"""));
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var id = (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var status = await WaitForEndAsync(http, id);

        AssertStatus("Failed", status);
        Assert.Contains("label", status.GetProperty("error").GetString(), StringComparison.OrdinalIgnoreCase);
        var training = new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient("training");
        Assert.False(await training.GetBlobClient($"{id}/status.json").ExistsAsync());
        Assert.False(await training.GetBlobClient($"{id}/trainer.log").ExistsAsync());
    }

    [Fact(Timeout = Timeout)]
    public async Task PostTraining_HostRestartedWhileTheTrainerRuns_TheRunStillFinishes()
    {
        var dataset = await UploadDatasetAsync(TinyModels.KeywordExamples(400, seed: 5));
        string id;
        await using (var first = await StartHostAsync())
        {
            using var http = Client(first);
            using var accepted = await http.PostAsync("api/training", Json($$$"""{"model":"toy","base":"tinybase@1","dataset":"{{{dataset}}}","hyperparameters":{"mode":"full","epochs":3,"learningRate":0.01,"maxLength":32}}"""));
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
            id = (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
            await WaitUntilAsync(http, id, s => s.GetProperty("stage").GetString() is not ("queued" or "validating"));
            await first.StopAsync(CancellationToken.None);
        }

        await using var second = await StartHostAsync();
        using var client = Client(second);
        var status = await WaitForEndAsync(client, id);

        AssertStatus("Published", status);
    }

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private async Task<LocalFunctionsHost> StartHostAsync()
    {
        var storage = azurite.ConnectionString;
        var output = Path.GetRelativePath(RepositoryRoot.Path, AppContext.BaseDirectory).Split(Path.DirectorySeparatorChar)
            .SkipWhile(p => p != "bin").Skip(1).Take(3);
        var trainer = Path.Combine([RepositoryRoot.Path, "src", "Serverless.Trainer", "bin", .. output, "Serverless.Trainer.dll"]);
        Assert.True(File.Exists(trainer), $"The trainer is not built at {trainer}: build the solution first.");
        string[] args =
        [
            "--port", "0", "--script-root", RepositoryRoot.Path,
            $"--AzureWebJobsStorage={storage}",
            $"--Registry:Container={_models}",
            $"--Registry:CacheDirectory={Path.Combine(_work, "cache")}",
            "--Serving:DefaultModel=toy", "--Serving:Device=cpu", "--Serving:IntraOpThreads=1", "--Registry:AliasPollInterval=00:00:00.500",
            $"--AzureFunctionsJobHost:extensions:durableTask:hubName={_hub}",
            "--AzureFunctionsJobHost:extensions:durableTask:storageProvider:maxQueuePollingInterval=00:00:00.500",
            "--Training:PollInterval=00:00:01", "--Training:MaxPollInterval=00:00:02",
            "--Training:Runner:Kind=local", $"--Training:Runner:Local:TrainerPath={trainer}",
            $"--Training:Runner:Local:WorkDirectory={Path.Combine(_work, "runs")}",
            "--Training:Runner:Local:Arguments:0=--device", "--Training:Runner:Local:Arguments:1=cpu",
        ];
        var host = LocalFunctionsHost.Create(ServerlessFunctionApp.Assembly, ServerlessFunctionApp.Configure, args);
        var registry = host.Services.GetRequiredService<BlobModelRegistry>();
        if ((await registry.ListModelsAsync(CancellationToken.None)).All(m => m.Name != "tinybase"))
        {
            var published = await registry.PublishDirectoryAsync("tinybase", TinyModels.WriteBaseEncoderPackage(Path.Combine(_work, "base-" + Guid.NewGuid().ToString("N"))), CancellationToken.None);
            await registry.SetAliasAsync("tinybase", "production", published.Version, CancellationToken.None);
        }

        await host.StartAsync(CancellationToken.None);
        return host;
    }

    private static HttpClient Client(LocalFunctionsHost host) => new() { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };

    private async Task<string> UploadDatasetAsync(IReadOnlyList<(string Text, string Label)> examples)
    {
        var container = new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient("datasets");
        await container.CreateIfNotExistsAsync();
        var name = $"loop/{Guid.NewGuid():N}.jsonl";
        await container.GetBlobClient(name).UploadAsync(BinaryData.FromString(string.Join('\n', examples.Select(e => JsonSerializer.Serialize(new { text = e.Text, label = e.Label })))));
        return $"datasets/{name}";
    }

    private async Task<JsonElement> WaitForEndAsync(HttpClient http, string id) =>
        await WaitUntilAsync(http, id, s => s.GetProperty("status").GetString() is "Published" or "Rejected" or "Failed" or "Canceled");

    /// <summary>
    /// Polls the run until <paramref name="condition"/> holds. A loaded machine slows a run down without stalling it, so the
    /// wait gives up only after 4 minutes without any change in the status (10 at most), and then says what the trainer
    /// last wrote.
    /// </summary>
    private async Task<JsonElement> WaitUntilAsync(HttpClient http, string id, Func<JsonElement, bool> condition)
    {
        var end = DateTime.UtcNow.AddMinutes(10);
        var stalled = DateTime.UtcNow.AddMinutes(4);
        JsonElement status = default;
        var last = "";
        while (DateTime.UtcNow < end && DateTime.UtcNow < stalled)
        {
            using var response = await http.GetAsync($"api/training/{id}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            status = await response.Content.ReadFromJsonAsync<JsonElement>();
            if (condition(status))
            {
                return status;
            }

            var text = status.ToString();
            if (text != last)
            {
                (last, stalled) = (text, DateTime.UtcNow.AddMinutes(4));
            }

            await Task.Delay(500);
        }

        var log = Path.Combine(_work, "runs", id, "trainer.log");
        var trainer = File.Exists(log) ? File.ReadAllText(log) : "(no trainer log)";
        throw new TimeoutException($"Run {id} did not get there; last status: {status}\ntrainer.log (end):\n{trainer[Math.Max(0, trainer.Length - 6000)..]}");
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string type)
    {
        using (response)
        {
            Assert.Equal(status, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal("urn:serverless:problem:" + type, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("type").GetString());
        }
    }

    private static void AssertStatus(string expected, JsonElement status) =>
        Assert.True(status.GetProperty("status").GetString() == expected, $"Expected {expected}: {status}");

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
