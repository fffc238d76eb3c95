using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Azure.Storage.Blobs;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Errors;
using Serverless.Functions.Queues;
using Serverless.Functions.Tests.Support;
using Serverless.Serving;
using Serverless.Testing;

namespace Serverless.Functions.Tests;

[Collection(AzuriteCollection.Name)]
public sealed class ClassifyQueueProcessorTests(AzuriteFixture azurite)
{
    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task PlainJsonMessage_IsAnsweredOnTheResultsQueue()
    {
        await using var host = await StartWithSpamModelAsync();

        await Processor(host).ProcessAsync("""{"id":"m-1","texts":["free money","good meeting"]}""", 1, AzuriteFixture.TestTimeout());

        var answer = await ReceiveJsonAsync(host, host.ResultsQueue);
        Assert.Equal("m-1", answer.GetProperty("id").GetString());
        Assert.Equal("spam", answer.GetProperty("model").GetString());
        Assert.Equal("1", answer.GetProperty("version").GetString());
        Assert.Equal(["spam", "ham"], answer.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("label").GetString()));
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task Base64EncodedJsonMessage_IsAnsweredLikePlainJson()
    {
        await using var host = await StartWithSpamModelAsync();
        var message = Convert.ToBase64String(Encoding.UTF8.GetBytes("""{"id":"b64.1","text":"click for your prize"}"""));

        await Processor(host).ProcessAsync(message, 1, AzuriteFixture.TestTimeout());

        var answer = await ReceiveJsonAsync(host, host.ResultsQueue);
        Assert.Equal("b64.1", answer.GetProperty("id").GetString());
        Assert.Equal("spam", Assert.Single(answer.GetProperty("results").EnumerateArray()).GetProperty("label").GetString());
    }

    [Theory(Timeout = AzuriteFixture.TestTimeoutMs)]
    [InlineData("{\"id\":\"x\",\"texts\":[", "malformed-json")]
    [InlineData("hello there", "malformed-json")]
    [InlineData("[1,2]", "invalid-message")]
    [InlineData("{\"texts\":[\"a\"]}", "invalid-id")]
    [InlineData("{\"id\":\"has/slash\",\"texts\":[\"a\"]}", "invalid-id")]
    [InlineData("{\"id\":\"\\ud800\",\"texts\":[\"a\"]}", "malformed-json")]
    [InlineData("{\"id\":\"a\",\"ID\":\"b\",\"texts\":[\"a\"]}", "duplicate-property")]
    public async Task MessageWithoutAUsableId_GetsAnErrorResultWithNullId_AndCompletes(string message, string slug)
    {
        await using var host = new FunctionTestHost(azurite);
        using var refused = new RefusalRecorder("queue");

        await Processor(host).ProcessAsync(message, 1, AzuriteFixture.TestTimeout());

        Assert.Contains(ServiceException.TypePrefix + slug, refused.Types);

        var answer = await ReceiveJsonAsync(host, host.ResultsQueue);
        Assert.Equal(JsonValueKind.Null, answer.GetProperty("id").ValueKind);
        Assert.Equal(ServiceException.TypePrefix + slug, answer.GetProperty("error").GetProperty("type").GetString());
        Assert.False(string.IsNullOrWhiteSpace(answer.GetProperty("error").GetProperty("detail").GetString()));
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task BadRequestFields_GetAnErrorResultWithTheId_AndAreNotRetried()
    {
        await using var host = await StartWithSpamModelAsync();

        await Processor(host).ProcessAsync("""{"id":"empty-1","texts":[]}""", 1, AzuriteFixture.TestTimeout());
        await Processor(host).ProcessAsync("""{"id":"nomodel-1","text":"a","model":"nobody"}""", 1, AzuriteFixture.TestTimeout());

        var answers = (await host.ReceiveAsync(host.ResultsQueue, 2)).Select(m => JsonDocument.Parse(m).RootElement).ToDictionary(a => a.GetProperty("id").GetString()!);
        Assert.Equal(ServiceException.TypePrefix + "empty-texts", answers["empty-1"].GetProperty("error").GetProperty("type").GetString());
        Assert.Equal(ServiceException.TypePrefix + "model-not-found", answers["nomodel-1"].GetProperty("error").GetProperty("type").GetString());
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task UnknownModel_ErrorResultNamesTheRouteThatPublishesIt()
    {
        await using var host = await StartWithSpamModelAsync();

        await Processor(host).ProcessAsync("""{"id":"nomodel-2","text":"a","model":"nobody"}""", 1, AzuriteFixture.TestTimeout());

        var error = (await ReceiveJsonAsync(host, host.ResultsQueue)).GetProperty("error");
        Assert.Equal(ServiceException.TypePrefix + "model-not-found", error.GetProperty("type").GetString());
        Assert.Equal(
            "Model 'nobody' does not exist or has no published version: publish one first (POST /api/models/nobody/versions).",
            error.GetProperty("detail").GetString());
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task DisallowedReplyTo_GetsAnErrorResultOnTheDefaultResultsQueue()
    {
        await using var host = await StartWithSpamModelAsync();
        var elsewhere = azurite.UniqueName("orders");

        await Processor(host).ProcessAsync($$"""{"id":"r-1","text":"hello","replyTo":"{{elsewhere}}"}""", 1, AzuriteFixture.TestTimeout());

        var answer = await ReceiveJsonAsync(host, host.ResultsQueue);
        Assert.Equal("r-1", answer.GetProperty("id").GetString());
        Assert.Equal(ServiceException.TypePrefix + "invalid-reply-to", answer.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal(0, await host.CountAsync(elsewhere));
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task AllowedReplyToPrefix_IsAnsweredOnThatQueue()
    {
        await using var host = await StartWithSpamModelAsync();
        var replyTo = host.ResultsQueue + "-team";

        await Processor(host).ProcessAsync($$"""{"id":"r-2","text":"hello","replyTo":"{{replyTo}}"}""", 1, AzuriteFixture.TestTimeout());

        var answer = await ReceiveJsonAsync(host, replyTo);
        Assert.Equal("r-2", answer.GetProperty("id").GetString());
        Assert.True(answer.TryGetProperty("results", out _));
        Assert.Equal(0, await host.CountAsync(host.ResultsQueue));
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task RedeliveredId_IsAnsweredWithTheStoredResult_NotRecomputed()
    {
        await using var host = await StartWithSpamModelAsync();
        const string Message = """{"id":"again-1","text":"free money"}""";
        await Processor(host).ProcessAsync(Message, 1, AzuriteFixture.TestTimeout());
        var first = (await host.ReceiveAsync(host.ResultsQueue)).Single();

        // A new production version with other labels: a recomputed answer could not match the first one.
        await host.PublishAsync("spam", dir => TinyModels.WriteClassifierPackage(dir, ["red", "green", "blue"]));
        await host.Registry.SetAliasAsync("spam", "production", "2", AzuriteFixture.TestTimeout());
        await Processor(host).ProcessAsync(Message, 2, AzuriteFixture.TestTimeout());
        var second = (await host.ReceiveAsync(host.ResultsQueue)).Single();

        Assert.Equal(first, second);
        Assert.Equal("1", JsonDocument.Parse(second).RootElement.GetProperty("version").GetString());
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task AnsweredIdSentAgainAsANewMessage_IsAnsweredWithTheStoredResult_ThoughItWasClassifiedAgain()
    {
        // A first delivery classifies before it looks for a stored answer (its store is create-only); an answer found must
        // still win over the new one.
        await using var host = await StartWithSpamModelAsync();
        const string Message = """{"id":"again-2","text":"free money"}""";
        await Processor(host).ProcessAsync(Message, 1, AzuriteFixture.TestTimeout());
        var first = (await host.ReceiveAsync(host.ResultsQueue)).Single();

        await host.PublishAsync("spam", dir => TinyModels.WriteClassifierPackage(dir, ["red", "green", "blue"]));
        await host.Registry.SetAliasAsync("spam", "production", "2", AzuriteFixture.TestTimeout());
        await Processor(host).ProcessAsync(Message, 1, AzuriteFixture.TestTimeout());
        var second = (await host.ReceiveAsync(host.ResultsQueue)).Single();

        Assert.Equal(first, second);
        Assert.Equal(0, await host.CountAsync(host.ResultsQueue));
    }

    [Theory(Timeout = AzuriteFixture.TestTimeoutMs)]
    [InlineData("""{"id":"dup-1","texts":["free money","good meeting"]}""")]
    [InlineData("""{"id":"dup-1","text":"free money","topK":1}""")]
    [InlineData("""{"id":"dup-1","text":"free money","version":"1"}""")]
    [InlineData("""{"id":"dup-1","text":"free money","model":"spam"}""")]
    [InlineData("""{"id":"dup-1","text":"free money","long":"windows"}""")]
    public async Task SameIdWithAnotherRequest_GetsIdConflictOnItsOwnReplyTo_NeverTheStoredAnswer(string other)
    {
        await using var host = await StartWithSpamModelAsync();
        await Processor(host).ProcessAsync("""{"id":"dup-1","text":"free money"}""", 1, AzuriteFixture.TestTimeout());
        Assert.True((await ReceiveJsonAsync(host, host.ResultsQueue)).TryGetProperty("results", out _));
        var replyTo = host.ResultsQueue + "-second-sender";

        await Processor(host).ProcessAsync(other[..^1] + $$""","replyTo":"{{replyTo}}"}""", 1, AzuriteFixture.TestTimeout());

        var answer = await ReceiveJsonAsync(host, replyTo);
        Assert.Equal("dup-1", answer.GetProperty("id").GetString());
        Assert.False(answer.TryGetProperty("results", out _));
        Assert.Equal(ServiceException.TypePrefix + "id-conflict", answer.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal(0, await host.CountAsync(host.ResultsQueue));
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task RedeliveredSameRequest_WithTheDefaultLongSpelledOut_IsReplayed()
    {
        await using var host = await StartWithSpamModelAsync();
        await Processor(host).ProcessAsync("""{"id":"same-2","text":"free money"}""", 1, AzuriteFixture.TestTimeout());
        var first = (await host.ReceiveAsync(host.ResultsQueue)).Single();

        await Processor(host).ProcessAsync("""{"id":"same-2","text":"free money","long":"truncate"}""", 2, AzuriteFixture.TestTimeout());

        Assert.Equal(first, (await host.ReceiveAsync(host.ResultsQueue)).Single());
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task MessageWithLongWindows_IsAnsweredWithTheWindowCount_AndTooManyWindowsIsAPermanentPayloadTooLarge()
    {
        // Window length 8: six text tokens per window, a new one every three, so twelve words are three windows.
        await using var host = new FunctionTestHost(azurite, new Dictionary<string, string?> { ["Serving:Limits:MaxTexts"] = "4" });
        await host.PublishAsync("spam", dir => TinyModels.WriteKeywordClassifierPackage(dir, maxLength: 8));
        await host.Registry.SetAliasAsync("spam", "production", "1", AzuriteFixture.TestTimeout());
        var text = string.Join(' ', Enumerable.Repeat("good team meeting", 4));

        await Processor(host).ProcessAsync($$"""{"id":"win-1","text":"{{text}}","long":"windows"}""", 1, AzuriteFixture.TestTimeout());
        await Processor(host).ProcessAsync($$"""{"id":"win-2","texts":["{{text}}","{{text}}"],"long":"windows"}""", 1, AzuriteFixture.TestTimeout());

        var answers = (await host.ReceiveAsync(host.ResultsQueue, 2)).Select(a => JsonDocument.Parse(a).RootElement)
            .ToDictionary(a => a.GetProperty("id").GetString()!);
        var result = Assert.Single(answers["win-1"].GetProperty("results").EnumerateArray());
        Assert.Equal(3, result.GetProperty("windows").GetInt32());
        Assert.False(result.GetProperty("truncated").GetBoolean());
        var error = answers["win-2"].GetProperty("error");
        Assert.Equal(ServiceException.TypePrefix + "payload-too-large", error.GetProperty("type").GetString());
        Assert.Contains("6 windows", error.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task RedeliveredSameRequest_WithTextAsOneItemTexts_IsReplayedToTheReplaysOwnReplyTo()
    {
        await using var host = await StartWithSpamModelAsync();
        await Processor(host).ProcessAsync("""{"id":"same-1","text":"free money","topK":1}""", 1, AzuriteFixture.TestTimeout());
        var first = (await host.ReceiveAsync(host.ResultsQueue)).Single();
        var replyTo = host.ResultsQueue + "-replay";

        await Processor(host).ProcessAsync($$"""{"ID":"same-1","texts":["free money"],"topk":1,"replyTo":"{{replyTo}}"}""", 2, AzuriteFixture.TestTimeout());

        Assert.Equal(first, (await host.ReceiveAsync(replyTo)).Single());
        Assert.Equal(0, await host.CountAsync(host.ResultsQueue));
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task ExpiredStoredResult_IsNotReplayed_ButRecomputed()
    {
        var clock = new ShiftedClock();
        await using var host = await StartWithSpamModelAsync(
            new Dictionary<string, string?> { ["Queues:ResultRetentionDays"] = "2" }, services => services.AddSingleton<TimeProvider>(clock));
        const string Message = """{"id":"old-1","text":"free money"}""";
        await Processor(host).ProcessAsync(Message, 1, AzuriteFixture.TestTimeout());
        Assert.Equal("1", (await ReceiveJsonAsync(host, host.ResultsQueue)).GetProperty("version").GetString());
        await host.PublishAsync("spam", dir => TinyModels.WriteClassifierPackage(dir, ["red", "green", "blue"]));
        await host.Registry.SetAliasAsync("spam", "production", "2", AzuriteFixture.TestTimeout());
        await host.Services.GetRequiredService<ServedModels>().RefreshAliasesAsync(AzuriteFixture.TestTimeout());

        clock.Offset = TimeSpan.FromDays(1.9);
        await Processor(host).ProcessAsync(Message, 1, AzuriteFixture.TestTimeout());
        var withinRetention = await ReceiveJsonAsync(host, host.ResultsQueue);
        clock.Offset = TimeSpan.FromDays(2.1);
        await Processor(host).ProcessAsync(Message, 1, AzuriteFixture.TestTimeout());
        var afterRetention = await ReceiveJsonAsync(host, host.ResultsQueue);

        Assert.Equal("1", withinRetention.GetProperty("version").GetString());
        Assert.Equal("2", afterRetention.GetProperty("version").GetString());
        var stored = await new BlobServiceClient(azurite.ConnectionString)
            .GetBlobContainerClient(host.Configuration["Queues:ResultsContainer"]).GetBlobClient("old-1.json").DownloadContentAsync();
        Assert.Equal("2", JsonDocument.Parse(stored.Value.Content.ToString()).RootElement.GetProperty("version").GetString());
        Assert.True(stored.Value.Details.Metadata.ContainsKey(ClassifyQueueStorage.RequestHashMetadata));
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task StoredResultsUnusable_OnTheLastAttempt_AnErrorResultIsSentBeforeTheFailureIsRethrown()
    {
        // A container name storage refuses: reading and storing the result fail; the queues work.
        await using var host = await StartWithSpamModelAsync(new Dictionary<string, string?> { ["Queues:ResultsContainer"] = "Not_A_Container" });
        const string Message = """{"id":"store-1","text":"hello"}""";

        await Assert.ThrowsAnyAsync<Exception>(() => Processor(host).ProcessAsync(Message, 1, AzuriteFixture.TestTimeout()));
        Assert.Equal(0, await host.CountAsync(host.ResultsQueue));

        await Assert.ThrowsAnyAsync<Exception>(() => Processor(host).ProcessAsync(Message, 5, AzuriteFixture.TestTimeout()));
        var answer = await ReceiveJsonAsync(host, host.ResultsQueue);
        Assert.Equal("store-1", answer.GetProperty("id").GetString());
        Assert.Contains("poison", answer.GetProperty("error").GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task MessagePastMaxDequeueCount_IsAnsweredWithAnErrorResult_AndCompletes()
    {
        await using var host = await StartWithSpamModelAsync();

        await Processor(host).ProcessAsync("""{"id":"lost-1","text":"free money"}""", 6, AzuriteFixture.TestTimeout());

        var answer = await ReceiveJsonAsync(host, host.ResultsQueue);
        Assert.Equal("lost-1", answer.GetProperty("id").GetString());
        Assert.Equal(ProblemTypes.InternalError.Type, answer.GetProperty("error").GetProperty("type").GetString());
        Assert.Contains("6 times", answer.GetProperty("error").GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs * 2)]
    public async Task ManyConcurrentMessages_OverAFullEngine_WaitForRoom_AndAllAreAnswered()
    {
        // An engine queue of 8 texts and 32 messages of 8 texts each at once: most find the engine full.
        await using var host = await StartWithSpamModelAsync(new Dictionary<string, string?> { ["Serving:Batching:MaxQueuedTexts"] = "8" });
        var messages = Enumerable.Range(0, 32).Select(m => JsonSerializer.Serialize(new
        {
            id = $"load-{m}",
            texts = Enumerable.Range(0, 8).Select(t => string.Join(' ', Enumerable.Repeat(t % 2 == 0 ? "free money" : "team lunch", 1 + ((m + t) % 12)))),
        }));

        await Task.WhenAll(messages.Select(m => Task.Run(() => Processor(host).ProcessAsync(m, 1, AzuriteFixture.TestTimeout()))));

        var answers = (await host.ReceiveAsync(host.ResultsQueue, 32)).Select(a => JsonDocument.Parse(a).RootElement).ToList();
        Assert.All(answers, a => Assert.Equal(8, a.GetProperty("results").GetArrayLength()));
        Assert.Equal(32, answers.Select(a => a.GetProperty("id").GetString()).Distinct().Count());
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task ResultOverTheMessageLimit_IsWrittenToBlob_AndTheMessagePointsToIt()
    {
        await using var host = await StartWithSpamModelAsync(new Dictionary<string, string?> { ["Queues:MaxMessageBytes"] = "1024" });
        var texts = JsonSerializer.Serialize(Enumerable.Range(0, 40).Select(i => i % 2 == 0 ? "free cash" : "team lunch"));

        await Processor(host).ProcessAsync($$"""{"id":"big-1","texts":{{texts}}}""", 1, AzuriteFixture.TestTimeout());

        var answer = await ReceiveJsonAsync(host, host.ResultsQueue);
        Assert.Equal("big-1", answer.GetProperty("id").GetString());
        Assert.False(answer.TryGetProperty("results", out _));
        var container = host.Configuration["Queues:ResultsContainer"]!;
        Assert.Equal($"{container}/big-1.json", answer.GetProperty("resultBlob").GetString());
        var blob = await new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(container).GetBlobClient("big-1.json").DownloadContentAsync();
        var stored = JsonDocument.Parse(blob.Value.Content.ToString()).RootElement;
        Assert.Equal(40, stored.GetProperty("results").GetArrayLength());
        Assert.Equal("big-1", stored.GetProperty("id").GetString());
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs * 2)]
    public async Task TransientFailure_IsRethrown_AndOnTheLastAttemptAnErrorResultIsSentFirst()
    {
        // The models storage is unreachable (nothing listens on that port); the queue storage works.
        await using var host = new FunctionTestHost(azurite, new Dictionary<string, string?>
        {
            ["Registry:ConnectionString"] = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:{UnusedPort()}/devstoreaccount1;",
        });
        const string Message = """{"id":"down-1","text":"hello"}""";

        await Assert.ThrowsAnyAsync<Exception>(() => Processor(host).ProcessAsync(Message, 1, AzuriteFixture.TestTimeout()));
        Assert.Equal(0, await host.CountAsync(host.ResultsQueue));

        await Assert.ThrowsAnyAsync<Exception>(() => Processor(host).ProcessAsync(Message, 5, AzuriteFixture.TestTimeout()));
        var answer = await ReceiveJsonAsync(host, host.ResultsQueue);
        Assert.Equal("down-1", answer.GetProperty("id").GetString());
        Assert.Equal(ProblemTypes.StorageUnavailable.Type, answer.GetProperty("error").GetProperty("type").GetString());
        Assert.Contains("poison", answer.GetProperty("error").GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("classify-results", true)]
    [InlineData("classify-results-billing", true)]
    [InlineData("classify-results-", false)]
    [InlineData("classify-resultsx", false)]
    [InlineData("orders", false)]
    [InlineData("Classify-Results", false)]
    [InlineData("classify-results--x", false)]
    public void ReplyTo_OnlyAllowListedValidQueueNames_AreAccepted(string queue, bool allowed)
    {
        Assert.Equal(allowed, ClassifyQueueProcessor.IsAllowedReplyTo(queue, ["classify-results", "classify-results-*"]));
    }

    private async Task<FunctionTestHost> StartWithSpamModelAsync(
        IReadOnlyDictionary<string, string?>? overrides = null, Action<IServiceCollection>? services = null)
    {
        var host = new FunctionTestHost(azurite, overrides, services);
        await host.PublishAsync("spam", dir => TinyModels.WriteKeywordClassifierPackage(dir));
        await host.Registry.SetAliasAsync("spam", "production", "1", AzuriteFixture.TestTimeout());
        return host;
    }

    private static ClassifyQueueProcessor Processor(FunctionTestHost host) => host.Services.GetRequiredService<ClassifyQueueProcessor>();

    private static async Task<JsonElement> ReceiveJsonAsync(FunctionTestHost host, string queue) =>
        JsonDocument.Parse((await host.ReceiveAsync(queue)).Single()).RootElement;

    private static int UnusedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
