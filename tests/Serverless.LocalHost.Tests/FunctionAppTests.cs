using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Azure.Storage.Queues;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Registry;
using Serverless.Testing;

namespace Serverless.LocalHost.Tests;

/// <summary>The real function app on the local host, with a real (tiny) model published to the registry on Azurite.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class FunctionAppTests(AzuriteFixture azurite) : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("localhost-app-").FullName;

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task FunctionApp_OnTheLocalHost_ClassifiesOverHttpAndQueues_AndRefusesBadRequestsWithItsProblemJson()
    {
        var timeout = AzuriteFixture.TestTimeout();
        var storage = azurite.ConnectionString;
        var requests = azurite.UniqueName("classify-requests");
        var results = azurite.UniqueName("classify-results");
        string[] args =
        [
            "--port", "0", "--script-root", RepositoryRoot.Path,
            $"--AzureWebJobsStorage={storage}",
            "--AzureFunctionsJobHost:extensions:durableTask:hubName=" + ("App" + Guid.NewGuid().ToString("N"))[..30],
            $"--Registry:ConnectionString={storage}",
            $"--Registry:Container={azurite.UniqueName("models")}",
            $"--Registry:CacheDirectory={Path.Combine(_work, "cache")}",
            "--Serving:DefaultModel=spam", "--Serving:Device=cpu", "--Serving:IntraOpThreads=1",
            $"--ClassifyRequestsQueue={requests}", $"--ClassifyResultsQueue={results}",
            $"--Queues:ReplyToAllowList:0={results}", $"--Queues:ResultsContainer={azurite.UniqueName("results")}",
        ];
        await using var host = LocalFunctionsHost.Create(ServerlessFunctionApp.Assembly, ServerlessFunctionApp.Configure, args);
        var registry = host.Services.GetRequiredService<BlobModelRegistry>();
        var package = TinyModels.WriteKeywordClassifierPackage(Directory.CreateTempSubdirectory("package-").FullName);
        var published = await registry.PublishDirectoryAsync("spam", package, timeout);
        await registry.SetAliasAsync("spam", "production", published.Version, timeout);
        await host.StartAsync(timeout);
        using var http = new HttpClient { BaseAddress = host.BaseAddress };

        using var classified = await http.PostAsync("api/classify",
            Json("""{"texts":["click here for free money now","see you at the meeting tomorrow"]}"""), timeout);
        Assert.Equal(HttpStatusCode.OK, classified.StatusCode);
        var answer = await classified.Content.ReadFromJsonAsync<JsonElement>(timeout);
        Assert.Equal("spam", answer.GetProperty("model").GetString());
        Assert.Equal(published.Version, answer.GetProperty("version").GetString());
        Assert.Equal(["spam", "ham"], answer.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("label").GetString()));

        using var empty = await http.PostAsync("api/classify", Json("""{"texts":[]}"""), timeout);
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Equal("application/problem+json", empty.Content.Headers.ContentType?.MediaType);
        var problem = await empty.Content.ReadFromJsonAsync<JsonElement>(timeout);
        Assert.StartsWith("urn:serverless:problem:", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
        Assert.Equal(400, problem.GetProperty("status").GetInt32());

        using var unknown = await http.PostAsync("api/classify", Json("""{"text":"hello","model":"no-such-model"}"""), timeout);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);

        await new QueueClient(storage, requests).SendMessageAsync("""{"id":"q-1","text":"you are a winner, claim your prize"}""", timeout);
        var reply = JsonDocument.Parse(await ReceiveAsync(new QueueClient(storage, results), timeout)).RootElement;
        Assert.Equal("q-1", reply.GetProperty("id").GetString());
        Assert.Equal("spam", reply.GetProperty("results")[0].GetProperty("label").GetString());
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task FunctionApp_OnTheLocalHost_ServesItsOpenApiDocumentAnonymously_ListingTheRoutesItServes()
    {
        var timeout = AzuriteFixture.TestTimeout();
        var storage = azurite.ConnectionString;
        string[] args =
        [
            "--port", "0", "--script-root", RepositoryRoot.Path,
            $"--AzureWebJobsStorage={storage}",
            "--AzureFunctionsJobHost:extensions:durableTask:hubName=" + ("Api" + Guid.NewGuid().ToString("N"))[..30],
            $"--Registry:ConnectionString={storage}",
            $"--Registry:Container={azurite.UniqueName("models")}",
            $"--Registry:CacheDirectory={Path.Combine(_work, "cache")}",
            "--Serving:DefaultModel=spam", "--Serving:Device=cpu", "--Serving:IntraOpThreads=1",
            $"--ClassifyRequestsQueue={azurite.UniqueName("classify-requests")}", $"--ClassifyResultsQueue={azurite.UniqueName("classify-results")}",
            $"--Queues:ResultsContainer={azurite.UniqueName("results")}",
        ];
        await using var host = LocalFunctionsHost.Create(ServerlessFunctionApp.Assembly, ServerlessFunctionApp.Configure, args);
        await host.StartAsync(timeout);
        using var http = new HttpClient { BaseAddress = host.BaseAddress };

        using var response = await http.GetAsync("api/openapi.json", timeout);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var document = await response.Content.ReadFromJsonAsync<JsonElement>(timeout);
        Assert.Equal("3.1.0", document.GetProperty("openapi").GetString());
        var paths = document.GetProperty("paths");
        Assert.Empty(paths.GetProperty("/api/openapi.json").GetProperty("get").GetProperty("security").EnumerateArray());

        // Every documented operation is served here: a route the host does not know would be a 404 route-not-found, a
        // method it does not serve a 405.
        foreach (var path in paths.EnumerateObject().Where(p => !p.Name.Contains('{', StringComparison.Ordinal)))
        {
            foreach (var method in path.Value.EnumerateObject())
            {
                using var request = new HttpRequestMessage(new HttpMethod(method.Name.ToUpperInvariant()), path.Name.TrimStart('/'));
                using var answer = await http.SendAsync(request, timeout);
                if (answer.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed)
                {
                    Assert.False(await IsRoutingProblemAsync(answer, timeout), $"{method.Name} {path.Name} is documented but the local host does not route it.");
                }
            }
        }
    }

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private static async Task<bool> IsRoutingProblemAsync(HttpResponseMessage answer, CancellationToken cancellationToken)
    {
        var type = (await answer.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("type").GetString();
        return type is "urn:serverless:problem:route-not-found" or "urn:serverless:problem:method-not-allowed";
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static async Task<string> ReceiveAsync(QueueClient queue, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (await queue.ExistsAsync(cancellationToken)
                && (await queue.ReceiveMessageAsync(cancellationToken: cancellationToken)).Value is { } message)
            {
                return message.Body.ToString();
            }

            await Task.Delay(100, cancellationToken);
        }
    }
}
