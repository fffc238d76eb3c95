using Serverless.Testing;
using System.Text.Json;

namespace Serverless.Functions.Tests;

/// <summary>The Worker SDK's output: what the Functions host will read to route triggers to this app.</summary>
public sealed class FunctionMetadataTests
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    private static readonly string s_output = Path.Combine(RepositoryRoot.Path, "src", "Serverless.Functions", "bin", Configuration, "net10.0", "linux-x64");

    [Theory]
    [InlineData("Classify", "classify", "post", "Function")]
    [InlineData("ListModels", "models", "get", "Function")]
    [InlineData("GetModel", "models/{name}", "get", "Function")]
    [InlineData("PublishModelVersion", "models/{name}/versions", "post", "Admin")]
    [InlineData("SetModelAlias", "models/{name}/aliases/{alias}", "put", "Admin")]
    [InlineData("Health", "health", "get", "Anonymous")]
    [InlineData("HealthLive", "health/live", "get", "Anonymous")]
    [InlineData("OpenApi", "openapi.json", "get", "Anonymous")]
    public void HttpFunction_HasItsRouteMethodAndAuthLevel(string name, string route, string method, string authLevel)
    {
        var trigger = Trigger(name);

        Assert.Equal("httpTrigger", trigger.GetProperty("type").GetString());
        Assert.Equal(route, trigger.GetProperty("route").GetString());
        Assert.Equal([method], trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal(authLevel, trigger.GetProperty("authLevel").GetString());
    }

    [Fact]
    public void QueueFunction_ListensOnTheConfiguredRequestsQueue()
    {
        var trigger = Trigger("ClassifyQueue");

        Assert.Equal("queueTrigger", trigger.GetProperty("type").GetString());
        Assert.Equal("%ClassifyRequestsQueue%", trigger.GetProperty("queueName").GetString());
        Assert.Equal("AzureWebJobsStorage", trigger.GetProperty("connection").GetString());
    }

    [Fact]
    public void FunctionApp_ShipsHostJsonWithPlainQueueMessages_AndNeverTorchSharp()
    {
        using var hostJson = JsonDocument.Parse(File.ReadAllText(Path.Combine(s_output, "host.json")));
        var queues = hostJson.RootElement.GetProperty("extensions").GetProperty("queues");
        Assert.Equal("none", queues.GetProperty("messageEncoding").GetString());
        Assert.Equal("api", hostJson.RootElement.GetProperty("extensions").GetProperty("http").GetProperty("routePrefix").GetString());

        var dependencies = File.ReadAllText(Path.Combine(s_output, "Serverless.Functions.deps.json"));
        Assert.DoesNotContain("TorchSharp", dependencies, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("\"Microsoft.ML.OnnxRuntime/", dependencies, StringComparison.Ordinal);
    }

    private static JsonElement Trigger(string function)
    {
        var path = Path.Combine(s_output, "functions.metadata");
        Assert.True(File.Exists(path), $"{path} is missing: the Worker SDK did not generate it.");
        using var metadata = JsonDocument.Parse(File.ReadAllText(path));
        var entry = metadata.RootElement.EnumerateArray().Single(f => f.GetProperty("name").GetString() == function);
        return entry.GetProperty("bindings").EnumerateArray().Single(b => b.GetProperty("type").GetString()!.EndsWith("Trigger", StringComparison.Ordinal)).Clone();
    }
}
