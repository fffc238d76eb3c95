using System.Text.Json;
using Azure.Storage.Blobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Serverless.Errors;
using Serverless.Functions.Http;
using Serverless.Functions.Tests.Support;
using Serverless.Serving;
using Serverless.Testing;

namespace Serverless.Functions.Tests;

[Collection(AzuriteCollection.Name)]
public sealed class HttpFunctionsTests(AzuriteFixture azurite)
{
    private const string ProblemJson = "application/problem+json";

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task Classify_PublishedKeywordModel_ReturnsLabelsInTextOrderWithModelVersionAndDevice()
    {
        await using var host = new FunctionTestHost(azurite);
        await host.PublishAsync("spam", dir => TinyModels.WriteKeywordClassifierPackage(dir));
        await host.Registry.SetAliasAsync("spam", "production", "1", AzuriteFixture.TestTimeout());

        var response = await ClassifyAsync(host, """{"texts":["click here for free money now","see you at the meeting tomorrow"]}""");

        Assert.Equal(200, response.Status);
        Assert.StartsWith("application/json", response.ContentType);
        var json = response.Json;
        Assert.Equal("spam", json.GetProperty("model").GetString());
        Assert.Equal("1", json.GetProperty("version").GetString());
        Assert.Equal("cpu", json.GetProperty("device").GetString());
        var results = json.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(["spam", "ham"], results.Select(r => r.GetProperty("label").GetString()));
        foreach (var result in results)
        {
            var scores = result.GetProperty("scores").EnumerateObject().Select(p => p.Value.GetSingle()).ToList();
            Assert.Equal(2, scores.Count);
            Assert.True(scores[0] >= scores[1], "scores are ordered by descending score");
            Assert.Equal(1.0, scores.Sum(), 3);
            Assert.Equal(scores[0], result.GetProperty("score").GetSingle(), 5);
            Assert.False(result.GetProperty("truncated").GetBoolean());
        }
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task Classify_SingleTextWithTopKAndExplicitVersion_ReturnsOneResultWithOneScore()
    {
        await using var host = new FunctionTestHost(azurite);
        await host.PublishAsync("spam", dir => TinyModels.WriteKeywordClassifierPackage(dir));

        var response = await ClassifyAsync(host, """{"text":"you are a winner, claim your prize","model":"spam","version":1,"topK":1}""");

        Assert.Equal(200, response.Status);
        var result = Assert.Single(response.Json.GetProperty("results").EnumerateArray());
        Assert.Equal("spam", result.GetProperty("label").GetString());
        Assert.Equal("spam", Assert.Single(result.GetProperty("scores").EnumerateObject()).Name);
    }

    [Theory(Timeout = AzuriteFixture.TestTimeoutMs)]
    [InlineData("{\"texts\":[\"a\"", "malformed-json")]
    [InlineData("", "malformed-json")]
    [InlineData("not json", "malformed-json")]
    [InlineData("[\"a\"]", "invalid-request")]
    [InlineData("{}", "invalid-request")]
    [InlineData("{\"text\":\"a\",\"texts\":[\"b\"]}", "invalid-request")]
    [InlineData("{\"texts\":\"a\"}", "invalid-request")]
    [InlineData("{\"texts\":[]}", "empty-texts")]
    [InlineData("{\"text\":\"\"}", "empty-text")]
    [InlineData("{\"texts\":[\"a\",\"   \"]}", "empty-text")]
    [InlineData("{\"texts\":[\"a\",null]}", "invalid-request")]
    [InlineData("{\"texts\":[\"a\",1]}", "invalid-request")]
    [InlineData("{\"text\":42}", "invalid-request")]
    [InlineData("{\"text\":\"a\",\"topK\":0}", "invalid-top-k")]
    [InlineData("{\"text\":\"a\",\"topK\":\"2\"}", "invalid-top-k")]
    [InlineData("{\"text\":\"a\",\"topK\":1.5}", "invalid-top-k")]
    [InlineData("{\"text\":\"a\",\"model\":\"../etc\"}", "invalid-model-name")]
    [InlineData("{\"text\":\"a\",\"model\":7}", "invalid-request")]
    [InlineData("{\"text\":\"a\",\"version\":0}", "invalid-version")]
    [InlineData("{\"text\":\"a\",\"version\":\"../1\"}", "invalid-version")]
    [InlineData("{\"text\":\"a\",\"version\":true}", "invalid-version")]
    [InlineData("{\"text\":\"a\",\"long\":\"chunks\"}", "invalid-request")]
    public async Task Classify_BadRequest_Is400ProblemJsonWithSpecificType(string body, string slug)
    {
        await using var host = new FunctionTestHost(azurite);

        var response = await ClassifyAsync(host, body);

        AssertProblem(response, 400, slug);
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task Classify_MoreTextsThanTheLimit_Is413()
    {
        await using var host = new FunctionTestHost(azurite, new Dictionary<string, string?> { ["Serving:Limits:MaxTexts"] = "3" });

        var response = await ClassifyAsync(host, """{"texts":["a","b","c","d"]}""");

        AssertProblem(response, 413, "payload-too-large");
        Assert.Contains("at most 3", response.Json.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task Classify_LongWindows_PoolsTheWindowsScoresAndReportsTheirCount()
    {
        // Window length 8: six text tokens per window, a new one every three, so twelve words are three windows, and the
        // keyword sits in the last window only.
        await using var host = new FunctionTestHost(azurite);
        await host.PublishAsync("spam", dir => TinyModels.WriteKeywordClassifierPackage(dir, maxLength: 8));
        await host.Registry.SetAliasAsync("spam", "production", "1", AzuriteFixture.TestTimeout());
        string[] windows = ["good team meeting see you tomorrow", "see you tomorrow for the lunch", "for the lunch free money now"];
        var text = string.Join(' ', windows[0], windows[2]);
        var body = JsonSerializer.Serialize(new { texts = (string[])[text, .. windows], @long = "windows" });

        var response = await ClassifyAsync(host, body);
        var truncated = await ClassifyAsync(host, JsonSerializer.Serialize(new { text }));

        Assert.Equal(200, response.Status);
        var results = response.Json.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal([3, 1, 1, 1], results.Select(r => r.GetProperty("windows").GetInt32()));
        foreach (var label in new[] { "ham", "spam" })
        {
            var alone = results.Skip(1).Average(r => r.GetProperty("scores").GetProperty(label).GetSingle());
            Assert.Equal(alone, results[0].GetProperty("scores").GetProperty(label).GetSingle(), 4);
        }

        var first = Assert.Single(truncated.Json.GetProperty("results").EnumerateArray());
        Assert.True(first.GetProperty("truncated").GetBoolean());
        Assert.False(first.TryGetProperty("windows", out _));
        Assert.Equal("ham", first.GetProperty("label").GetString());
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task Classify_LongWindowsBeyondTheTextLimit_Is413SayingHowManyWindowsAndTheLimit()
    {
        await using var host = new FunctionTestHost(azurite, new Dictionary<string, string?> { ["Serving:Limits:MaxTexts"] = "3" });
        await host.PublishAsync("spam", dir => TinyModels.WriteKeywordClassifierPackage(dir, maxLength: 8));
        await host.Registry.SetAliasAsync("spam", "production", "1", AzuriteFixture.TestTimeout());
        var text = string.Join(' ', Enumerable.Repeat("good team meeting", 4));

        var fits = await ClassifyAsync(host, JsonSerializer.Serialize(new { texts = new[] { text }, @long = "windows" }));
        var response = await ClassifyAsync(host, JsonSerializer.Serialize(new { texts = new[] { text, "hello" }, @long = "windows" }));

        Assert.Equal(200, fits.Status);
        AssertProblem(response, 413, "payload-too-large");
        var detail = response.Json.GetProperty("detail").GetString();
        Assert.Contains("2 texts make 4 windows", detail, StringComparison.Ordinal);
        Assert.Contains("at most 3", detail, StringComparison.Ordinal);
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task Classify_DeclaredContentLengthOverTheLimit_Is413WithoutReading()
    {
        await using var host = new FunctionTestHost(azurite, new Dictionary<string, string?> { ["Serving:Limits:MaxRequestBytes"] = "2048" });

        var response = await ClassifyAsync(host, """{"text":"a"}""", declaredLength: 4096);

        AssertProblem(response, 413, "payload-too-large");
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task Classify_UndeclaredBodyOverTheLimit_Is413()
    {
        await using var host = new FunctionTestHost(azurite, new Dictionary<string, string?> { ["Serving:Limits:MaxRequestBytes"] = "2048" });
        var body = JsonSerializer.Serialize(new { text = new string('a', 3000) });

        var response = await ClassifyAsync(host, body, declaredLength: null);

        AssertProblem(response, 413, "payload-too-large");
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task Classify_UnknownModelOrVersion_Is404()
    {
        await using var host = new FunctionTestHost(azurite);
        await host.PublishAsync("spam", dir => TinyModels.WriteKeywordClassifierPackage(dir));

        AssertProblem(await ClassifyAsync(host, """{"text":"hello","model":"nobody"}"""), 404, "model-not-found");
        AssertProblem(await ClassifyAsync(host, """{"text":"hello","version":"9"}"""), 404, "model-not-found");
        AssertProblem(await ClassifyAsync(host, """{"text":"hello","version":"canary"}"""), 404, "model-not-found");
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task ModelNotFound_DetailEndsWithTheRouteThatPublishesListsOrSetsWhatIsMissing()
    {
        await using var host = new FunctionTestHost(azurite);
        await host.PublishAsync("spam", dir => TinyModels.WriteKeywordClassifierPackage(dir));
        var models = host.Function<ModelsFunctions>();
        var ct = AzuriteFixture.TestTimeout();

        var model = await ClassifyAsync(host, """{"text":"hello","model":"nobody"}""");
        var version = await ClassifyAsync(host, """{"text":"hello","version":"9"}""");
        var alias = await ClassifyAsync(host, """{"text":"hello","version":"canary"}""");
        var details = await host.InvokeAsync("GetModel", "GET", "/api/models/absent", null, r => models.Get(r, "absent", ct));
        var setAlias = await host.InvokeAsync("SetModelAlias", "PUT", "/api/models/spam/aliases/production", """{"version":"4"}""", r => models.SetAlias(r, "spam", "production", ct));

        Assert.Equal("Model 'nobody' does not exist or has no published version: publish one first (POST /api/models/nobody/versions).", Detail(model));
        Assert.Equal("Model 'spam' has no published version 9: list its versions (GET /api/models/spam).", Detail(version));
        Assert.Equal("Model 'spam' has no alias 'canary' (it has none yet): give a version number, or set the alias first (PUT /api/models/spam/aliases/canary).", Detail(alias));
        Assert.EndsWith("(POST /api/models/absent/versions).", Detail(details), StringComparison.Ordinal);
        Assert.EndsWith("(GET /api/models/spam).", Detail(setAlias), StringComparison.Ordinal);
        Assert.All(new[] { model, version, alias, details, setAlias }, r => AssertProblem(r, 404, "model-not-found"));

        static string? Detail(TestResponse response) => response.Json.GetProperty("detail").GetString();
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task Classify_BaseEncoder_Is400()
    {
        await using var host = new FunctionTestHost(azurite);
        await host.PublishAsync("encoder", dir => TinyModels.WriteBaseEncoderPackage(dir));

        var response = await ClassifyAsync(host, """{"text":"hello world","model":"encoder","version":"1"}""");

        Assert.Equal(400, response.Status);
        Assert.Equal(ProblemJson, response.ContentType?.Split(';')[0]);
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task Health_BeforeAModelIsLoaded_Is503WithRetryAfter_AndAfterwardsListsTheLoadedModel()
    {
        await using var host = new FunctionTestHost(azurite);
        var health = host.Function<HealthFunctions>();

        var before = await host.InvokeAsync("Health", "GET", "/api/health", null, request => Task.FromResult(health.Ready(request)));
        AssertProblem(before, 503, "model-unavailable");
        Assert.True(int.Parse(before.Headers.RetryAfter.ToString(), System.Globalization.CultureInfo.InvariantCulture) > 0);

        await host.PublishAsync("spam", dir => TinyModels.WriteKeywordClassifierPackage(dir));
        Assert.Equal(200, (await ClassifyAsync(host, """{"text":"hello","version":"1"}""")).Status);

        var after = await host.InvokeAsync("Health", "GET", "/api/health", null, request => Task.FromResult(health.Ready(request)));
        Assert.Equal(200, after.Status);
        var model = Assert.Single(after.Json.GetProperty("models").EnumerateArray());
        Assert.Equal("spam", model.GetProperty("name").GetString());
        Assert.Equal("1", model.GetProperty("version").GetString());
        Assert.Equal("cpu", model.GetProperty("device").GetString());
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task DefaultVersionThatFailsItsWarmUpRun_PreloaderSurvives_HealthSaysWhy_AndClassifyIs422()
    {
        await using var host = new FunctionTestHost(azurite);
        var ct = AzuriteFixture.TestTimeout();
        var models = new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(host.Configuration["Registry:Container"]);
        // A fixed-shape export published without the publish-time checks, as an older release could have.
        var broken = TinyModels.WriteFixedShapeClassifierPackage(Directory.CreateTempSubdirectory("fixed-shape-").FullName, fixedInputs: false);
        await TestStorage.UploadVersionAsync(models, "spam", 1, broken, ct);
        await host.Registry.SetAliasAsync("spam", "production", "1", ct);
        var served = host.Services.GetRequiredService<ServedModels>();
        var preloader = host.Services.GetServices<IHostedService>().OfType<DefaultModelPreloader>().Single();
        var health = host.Function<HealthFunctions>();

        await preloader.StartAsync(ct);
        while (served.Unservable.Count == 0)
        {
            await Task.Delay(20, ct);
        }

        var notReady = await host.InvokeAsync("Health", "GET", "/api/health", null, request => Task.FromResult(health.Ready(request)));
        var classified = await ClassifyAsync(host, """{"text":"hello"}""");
        Assert.False(preloader.ExecuteTask!.IsCompleted, "the preloader keeps retrying instead of failing the host");
        AssertProblem(notReady, 503, "model-unavailable");
        Assert.Contains("Model 'spam' version 1 cannot be served", notReady.Json.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("failed its warm-up run", notReady.Json.GetProperty("detail").GetString(), StringComparison.Ordinal);
        AssertProblem(classified, 422, "invalid-model-package");
        Assert.Contains("failed its warm-up run", classified.Json.GetProperty("detail").GetString(), StringComparison.Ordinal);

        await host.PublishAsync("spam", dir => TinyModels.WriteKeywordClassifierPackage(dir));
        await host.Registry.SetAliasAsync("spam", "production", "2", ct);
        await served.RefreshAliasesAsync(ct);

        var ready = await host.InvokeAsync("Health", "GET", "/api/health", null, request => Task.FromResult(health.Ready(request)));
        Assert.Equal(200, ready.Status);
        Assert.Equal("2", Assert.Single(ready.Json.GetProperty("models").EnumerateArray()).GetProperty("version").GetString());
        var unservable = Assert.Single(ready.Json.GetProperty("unservable").EnumerateArray());
        Assert.Equal(("spam", "1"), (unservable.GetProperty("name").GetString(), unservable.GetProperty("version").GetString()));
        Assert.EndsWith("invalid-model-package", unservable.GetProperty("type").GetString(), StringComparison.Ordinal);
        Assert.Equal(200, (await ClassifyAsync(host, """{"text":"free cash"}""")).Status);
        await preloader.StopAsync(ct);
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task PublishFromBlobFolder_GraphThatFailsItsWarmUpRun_Is422AndCreatesNoVersion()
    {
        await using var host = new FunctionTestHost(azurite);
        var uploads = new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(azurite.UniqueName("uploads"));
        var package = TinyModels.WriteFixedShapeClassifierPackage(Directory.CreateTempSubdirectory("upload-").FullName, fixedInputs: true);
        await TestStorage.UploadVersionAsync(uploads, "fixed", 1, package, AzuriteFixture.TestTimeout());
        var models = host.Function<ModelsFunctions>();

        var published = await host.InvokeAsync("PublishModelVersion", "POST", "/api/models/reviews/versions", $$"""{"source":"{{uploads.Name}}/fixed/1/"}""",
            request => models.Publish(request, "reviews", AzuriteFixture.TestTimeout()));
        var listed = await host.InvokeAsync("GetModel", "GET", "/api/models/reviews", null, request => models.Get(request, "reviews", AzuriteFixture.TestTimeout()));

        AssertProblem(published, 422, "invalid-model-package");
        Assert.Contains("fixed shape", published.Json.GetProperty("detail").GetString(), StringComparison.Ordinal);
        AssertProblem(listed, 404, "model-not-found");
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task HealthLive_WithNothingLoaded_Is200()
    {
        await using var host = new FunctionTestHost(azurite);
        var health = host.Function<HealthFunctions>();

        var response = await host.InvokeAsync("HealthLive", "GET", "/api/health/live", null, request => Task.FromResult(health.Live(request)));

        Assert.Equal(200, response.Status);
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task PublishFromBlobFolder_ThenSetAlias_ThenClassifyByAlias_Works()
    {
        await using var host = new FunctionTestHost(azurite);
        var uploads = new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(azurite.UniqueName("uploads"));
        await uploads.CreateAsync();
        var package = Directory.CreateTempSubdirectory("upload-").FullName;
        TinyModels.WriteKeywordClassifierPackage(package);
        foreach (var file in Directory.EnumerateFiles(package, "*", SearchOption.AllDirectories))
        {
            await uploads.UploadBlobAsync("my-model/" + Path.GetRelativePath(package, file).Replace('\\', '/'), File.OpenRead(file));
        }

        var models = host.Function<ModelsFunctions>();
        var published = await host.InvokeAsync("PublishModelVersion", "POST", "/api/models/reviews/versions", $$"""{"source":"{{uploads.Name}}/my-model/"}""",
            request => models.Publish(request, "reviews", AzuriteFixture.TestTimeout()));
        Assert.Equal(201, published.Status);
        Assert.Equal("/api/models/reviews", published.Headers.Location.ToString());
        Assert.Equal("1", published.Json.GetProperty("version").GetString());

        var aliased = await host.InvokeAsync("SetModelAlias", "PUT", "/api/models/reviews/aliases/production", """{"version":"1"}""",
            request => models.SetAlias(request, "reviews", "production", AzuriteFixture.TestTimeout()));
        Assert.Equal(200, aliased.Status);

        var listed = await host.InvokeAsync("ListModels", "GET", "/api/models", null, request => models.List(request, AzuriteFixture.TestTimeout()));
        Assert.Contains(listed.Json.GetProperty("models").EnumerateArray(), m => m.GetProperty("name").GetString() == "reviews");
        var details = await host.InvokeAsync("GetModel", "GET", "/api/models/reviews", null, request => models.Get(request, "reviews", AzuriteFixture.TestTimeout()));
        Assert.Equal(200, details.Status);
        Assert.Equal("1", details.Json.GetProperty("aliases").GetProperty("production").GetString());

        var classified = await ClassifyAsync(host, """{"text":"free cash offer","model":"reviews"}""");
        Assert.Equal(200, classified.Status);
        Assert.Equal("1", classified.Json.GetProperty("version").GetString());
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task ModelRoutes_BadNamesAndBodies_Are4xxProblems()
    {
        await using var host = new FunctionTestHost(azurite);
        var models = host.Function<ModelsFunctions>();
        var ct = AzuriteFixture.TestTimeout();

        AssertProblem(await host.InvokeAsync("GetModel", "GET", "/api/models/Bad_Name", null, r => models.Get(r, "Bad_Name", ct)), 400, "invalid-model-name");
        AssertProblem(await host.InvokeAsync("GetModel", "GET", "/api/models/absent", null, r => models.Get(r, "absent", ct)), 404, "model-not-found");
        AssertProblem(await host.InvokeAsync("PublishModelVersion", "POST", "/api/models/x/versions", """{"source":7}""", r => models.Publish(r, "x", ct)), 400, "invalid-request");
        AssertProblem(await host.InvokeAsync("SetModelAlias", "PUT", "/api/models/x/aliases/production", """{"version":"latest"}""", r => models.SetAlias(r, "x", "production", ct)), 400, "invalid-request");
        AssertProblem(await host.InvokeAsync("SetModelAlias", "PUT", "/api/models/x/aliases/Prod!", """{"version":"1"}""", r => models.SetAlias(r, "x", "Prod!", ct)), 400, "invalid-alias");
    }

    private static Task<TestResponse> ClassifyAsync(FunctionTestHost host, string body, long? declaredLength = -1)
    {
        var function = host.Function<ClassifyFunction>();
        return host.InvokeAsync("Classify", "POST", "/api/classify", body, request => function.Run(request, AzuriteFixture.TestTimeout()), declaredLength);
    }

    private static void AssertProblem(TestResponse response, int status, string slug)
    {
        Assert.True(status == response.Status, $"Expected {status}, got {response.Status}: {response.Body}");
        Assert.Equal(ProblemJson, response.ContentType?.Split(';')[0]);
        var problem = response.Json;
        Assert.Equal(ServiceException.TypePrefix + slug, problem.GetProperty("type").GetString());
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("correlationId").GetString()));
    }
}
