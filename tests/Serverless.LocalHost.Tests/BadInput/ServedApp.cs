using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Registry;
using Serverless.Testing;

namespace Serverless.LocalHost.Tests.BadInput;

/// <summary>
/// The real function app on the local host over real HTTP and real queues on Azurite, serving the keyword spam classifier
/// as "spam" (production = v1). Shared by the cases of a suite, which must leave it serving.
/// </summary>
public sealed class ServedApp : IAsyncLifetime
{
    private readonly AzuriteFixture _azurite = new();
    private readonly string _work = Directory.CreateTempSubdirectory("bad-input-").FullName;
    private LocalFunctionsHost? _host;

    public HttpClient Http { get; private set; } = null!;

    public Uri BaseAddress => _host!.BaseAddress;

    public string ConnectionString => _azurite.ConnectionString;

    public QueueClient Requests { get; private set; } = null!;

    public QueueClient Results { get; private set; } = null!;

    /// <summary>A reply queue on the allow-list other than the default one.</summary>
    public QueueClient OtherResults { get; private set; } = null!;

    public QueueClient Poison { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await _azurite.InitializeAsync();
        var timeout = AzuriteFixture.TestTimeout();
        var requests = _azurite.UniqueName("classify-requests");
        var results = _azurite.UniqueName("classify-results");
        var other = results + "-b";
        string[] args =
        [
            "--port", "0", "--script-root", RepositoryRoot.Path,
            $"--AzureWebJobsStorage={ConnectionString}",
            "--AzureFunctionsJobHost:extensions:queues:maxPollingInterval=00:00:00.200",
            "--AzureFunctionsJobHost:extensions:durableTask:hubName=" + ("Bad" + Guid.NewGuid().ToString("N"))[..30],
            $"--Registry:ConnectionString={ConnectionString}",
            $"--Registry:Container={_azurite.UniqueName("models")}",
            $"--Registry:CacheDirectory={Path.Combine(_work, "cache")}",
            "--Serving:DefaultModel=spam", "--Serving:Device=cpu", "--Serving:IntraOpThreads=1",
            $"--ClassifyRequestsQueue={requests}", $"--ClassifyResultsQueue={results}",
            $"--Queues:ReplyToAllowList:0={results}", $"--Queues:ReplyToAllowList:1={other}",
            $"--Queues:ResultsContainer={_azurite.UniqueName("results")}",
        ];
        _host = LocalFunctionsHost.Create(ServerlessFunctionApp.Assembly, ServerlessFunctionApp.Configure, args);
        var registry = _host.Services.GetRequiredService<BlobModelRegistry>();
        var package = TinyModels.WriteKeywordClassifierPackage(Path.Combine(_work, "package"));
        var published = await registry.PublishDirectoryAsync("spam", package, timeout);
        await registry.SetAliasAsync("spam", "production", published.Version, timeout);
        await _host.StartAsync(timeout);
        Http = new HttpClient { BaseAddress = _host.BaseAddress };
        Requests = new QueueClient(ConnectionString, requests);
        Results = new QueueClient(ConnectionString, results);
        OtherResults = new QueueClient(ConnectionString, other);
        Poison = new QueueClient(ConnectionString, requests + "-poison");
        // A dataset that exists, so that training cases reach the checks after the data check.
        var datasets = new BlobContainerClient(ConnectionString, "datasets");
        await datasets.CreateIfNotExistsAsync(cancellationToken: timeout);
        await datasets.GetBlobClient("x.jsonl").UploadAsync(BinaryData.FromString("{\"text\":\"free money\",\"label\":\"spam\"}\n"), overwrite: true, timeout);
        await Task.WhenAll(Requests.CreateIfNotExistsAsync(cancellationToken: timeout), Results.CreateIfNotExistsAsync(cancellationToken: timeout),
            OtherResults.CreateIfNotExistsAsync(cancellationToken: timeout));
    }

    /// <summary>Asserts that the app still classifies a spam and a ham text correctly.</summary>
    public async Task AssertStillClassifiesAsync(CancellationToken cancellationToken)
    {
        using var response = await Http.PostAsync("api/classify",
            new StringContent("""{"texts":["click here for free money now","see you at the meeting tomorrow"]}""", Encoding.UTF8, "application/json"),
            cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"classify after the case answered {(int)response.StatusCode}: {body}");
        var labels = JsonDocument.Parse(body).RootElement.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("label").GetString());
        Assert.Equal(["spam", "ham"], labels);
    }

    /// <summary>Waits for the reply with <paramref name="id"/> on <paramref name="queue"/>, deleting the messages it reads.</summary>
    public static async Task<JsonElement> ReceiveAsync(QueueClient queue, string id, CancellationToken cancellationToken)
    {
        while (true)
        {
            foreach (var message in (await queue.ReceiveMessagesAsync(32, cancellationToken: cancellationToken)).Value)
            {
                await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);
                var reply = JsonDocument.Parse(message.Body.ToString()).RootElement.Clone();
                if (reply.TryGetProperty("id", out var replyId) && replyId.GetString() == id)
                {
                    return reply;
                }
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    public async Task DisposeAsync()
    {
        Http?.Dispose();
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        await _azurite.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    /// <summary>Reads a problem+json response.</summary>
    public static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken) =>
        await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
}
