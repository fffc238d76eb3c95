using System.Text;
using System.Text.Json;
using Azure.Storage.Queues;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Functions.Http;
using Serverless.Registry;
using Serverless.Testing;

namespace Serverless.Functions.Tests.Support;

/// <summary>An HTTP response as a caller sees it.</summary>
internal sealed record TestResponse(int Status, string? ContentType, IHeaderDictionary Headers, string Body)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement;
}

/// <summary>
/// The function app's real composition (<see cref="FunctionsServiceCollectionExtensions.AddServerlessFunctions"/>) over
/// Azurite, with containers and queues unique to one test; invokes function classes through the real middleware the way
/// the Functions worker does (the middleware around the call, the returned result executed afterwards).
/// </summary>
internal sealed class FunctionTestHost : IAsyncDisposable
{
    private readonly string _workDirectory = Directory.CreateTempSubdirectory("functions-tests-").FullName;

    /// <param name="azurite">The shared Azurite.</param>
    /// <param name="overrides">Settings that replace or add to the defaults.</param>
    /// <param name="services">Registrations added after the app's composition (the last registration wins), such as a clock.</param>
    public FunctionTestHost(
        AzuriteFixture azurite, IReadOnlyDictionary<string, string?>? overrides = null, Action<IServiceCollection>? services = null)
    {
        Azurite = azurite;
        ResultsQueue = azurite.UniqueName("results");
        var settings = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["Registry:ConnectionString"] = azurite.ConnectionString,
            ["Registry:Container"] = azurite.UniqueName("models"),
            ["Registry:CacheDirectory"] = Path.Combine(_workDirectory, "cache"),
            ["Serving:DefaultModel"] = "spam",
            ["Serving:Device"] = "cpu",
            ["Serving:IntraOpThreads"] = "1",
            ["ClassifyRequestsQueue"] = azurite.UniqueName("requests"),
            ["ClassifyResultsQueue"] = ResultsQueue,
            ["Queues:ReplyToAllowList:0"] = ResultsQueue,
            ["Queues:ReplyToAllowList:1"] = ResultsQueue + "-*",
            ["Queues:ResultsContainer"] = azurite.UniqueName("results"),
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        Configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var collection = new ServiceCollection()
            .AddLogging()
            .AddSingleton<IConfiguration>(Configuration)
            .AddServerlessFunctions(Configuration);
        services?.Invoke(collection);
        Services = collection.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    public AzuriteFixture Azurite { get; }

    public IConfiguration Configuration { get; }

    public ServiceProvider Services { get; }

    public string ResultsQueue { get; }

    public BlobModelRegistry Registry => Services.GetRequiredService<BlobModelRegistry>();

    /// <summary>A function class built the way the worker builds it: constructor injection from the app's services.</summary>
    public T Function<T>() => ActivatorUtilities.CreateInstance<T>(Services);

    /// <summary>Writes a package with <paramref name="write"/> into a fresh folder and publishes it as <paramref name="name"/>.</summary>
    public async Task<PublishedVersion> PublishAsync(string name, Func<string, string> write)
    {
        var directory = Directory.CreateDirectory(Path.Combine(_workDirectory, "package-" + Guid.NewGuid().ToString("N"))).FullName;
        write(directory);
        return await Registry.PublishDirectoryAsync(name, directory, AzuriteFixture.TestTimeout());
    }

    /// <summary>Runs <paramref name="function"/> for a request through <see cref="ProblemDetailsMiddleware"/>.</summary>
    public async Task<TestResponse> InvokeAsync(
        string functionName,
        string method,
        string path,
        string? body,
        Func<HttpRequest, Task<IActionResult>> function,
        long? declaredLength = -1)
    {
        var httpContext = new DefaultHttpContext { RequestServices = Services };
        httpContext.Request.Method = method;
        httpContext.Request.Path = path;
        var bytes = body is null ? [] : Encoding.UTF8.GetBytes(body);
        httpContext.Request.Body = new MemoryStream(bytes);
        httpContext.Request.ContentType = "application/json";
        httpContext.Request.ContentLength = declaredLength == -1 ? bytes.Length : declaredLength;
        var responseBody = new MemoryStream();
        httpContext.Response.Body = responseBody;

        var middleware = ActivatorUtilities.CreateInstance<ProblemDetailsMiddleware>(Services);
        IActionResult? result = null;
        await middleware.Invoke(new TestFunctionContext(functionName, httpContext, Services), async _ => result = await function(httpContext.Request));
        if (result is not null)
        {
            await result.ExecuteResultAsync(new ActionContext(httpContext, new RouteData(), new ActionDescriptor()));
        }

        return new TestResponse(httpContext.Response.StatusCode, httpContext.Response.ContentType, httpContext.Response.Headers,
            Encoding.UTF8.GetString(responseBody.ToArray()));
    }

    /// <summary>Waits for <paramref name="count"/> messages on <paramref name="queue"/> (up to 20 s) and returns their texts.</summary>
    public async Task<IReadOnlyList<string>> ReceiveAsync(string queue, int count = 1)
    {
        var client = new QueueClient(Azurite.ConnectionString, queue);
        var received = new List<string>();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (received.Count < count && DateTime.UtcNow < deadline)
        {
            if (await client.ExistsAsync())
            {
                foreach (var message in (await client.ReceiveMessagesAsync(count - received.Count)).Value)
                {
                    received.Add(message.Body.ToString());
                    await client.DeleteMessageAsync(message.MessageId, message.PopReceipt);
                }
            }

            if (received.Count < count)
            {
                await Task.Delay(100);
            }
        }

        Assert.True(received.Count == count, $"Expected {count} message(s) on {queue}, got {received.Count}.");
        return received;
    }

    /// <summary>Number of messages waiting on <paramref name="queue"/> (0 when it does not exist).</summary>
    public async Task<int> CountAsync(string queue)
    {
        var client = new QueueClient(Azurite.ConnectionString, queue);
        return await client.ExistsAsync() ? (await client.GetPropertiesAsync()).Value.ApproximateMessagesCount : 0;
    }

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        try
        {
            Directory.Delete(_workDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A file still mapped by a disposed session on some platforms; the temp folder is cleaned by the OS.
        }
    }
}
