using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Serverless.LocalHost.Tests.Support;
using Serverless.Testing;

namespace Serverless.LocalHost.Tests;

[Collection(AzuriteCollection.Name)]
public sealed class HttpTriggerTests(AzuriteFixture azurite)
{
    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task HttpTrigger_RouteUnderHostJsonPrefix_BindsRouteParametersByNameAndGivesTheWorkerContext()
    {
        await using var host = await SampleHost.StartAsync(azurite);

        using var response = await host.Http.GetAsync("sample/things/gear/parts/42?q=x");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = body.RootElement;
        Assert.Equal("gear", root.GetProperty("name").GetString());
        Assert.Equal(42, root.GetProperty("id").GetInt32());
        Assert.Equal("x", root.GetProperty("query").GetString());
        Assert.Equal("Part", root.GetProperty("function").GetString());
        Assert.True(root.GetProperty("sameHttpContext").GetBoolean(), "context.GetHttpContext() must return the request's HttpContext");
        var invocationId = root.GetProperty("invocationId").GetString();
        Assert.False(string.IsNullOrEmpty(invocationId));
        Assert.Equal(invocationId, Assert.Single(response.Headers.GetValues("x-invocation-id")));
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task HttpTrigger_EachRequest_GetsItsOwnServiceScopeSharedByMiddlewareAndFunction()
    {
        await using var host = await SampleHost.StartAsync(azurite);

        var first = await host.Http.GetFromJsonAsync<JsonElement>("sample/things/a/parts/1");
        var second = await host.Http.GetFromJsonAsync<JsonElement>("sample/things/a/parts/1");

        Assert.Equal(first.GetProperty("invocationId").GetString(), first.GetProperty("tag").GetString());
        Assert.Equal(second.GetProperty("invocationId").GetString(), second.GetProperty("tag").GetString());
        Assert.NotEqual(first.GetProperty("tag").GetString(), second.GetProperty("tag").GetString());
    }

    [Theory(Timeout = AzuriteFixture.TestTimeoutMs)]
    [InlineData("sample/nothing-here")]
    [InlineData("things/gear/parts/42")]
    [InlineData("api/things/gear/parts/42")]
    [InlineData("sample/things/gear/parts/not-a-number")]
    public async Task HttpTrigger_UnknownRouteOrMissingPrefix_Is404(string path)
    {
        await using var host = await SampleHost.StartAsync(azurite);

        using var response = await host.Http.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task HttpTrigger_WithoutRoute_IsServedUnderTheFunctionName()
    {
        await using var host = await SampleHost.StartAsync(azurite);

        Assert.Equal("pong", await host.Http.GetStringAsync("sample/Ping"));
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task HttpTrigger_FunctionThrows_TheAppMiddlewareWritesItsProblemJson()
    {
        await using var host = await SampleHost.StartAsync(azurite);

        using var response = await host.Http.GetAsync("sample/refuse");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("urn:sample:refused", problem.GetProperty("type").GetString());
        Assert.Equal("the sample refuses this request", problem.GetProperty("detail").GetString());
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task HttpTrigger_MiddlewareReplacesTheInvocationResult_TheReplacementIsTheResponse()
    {
        await using var host = await SampleHost.StartAsync(azurite);

        using var response = await host.Http.PutAsync("sample/conflict/widget", content: null);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("widget already exists", body.GetProperty("detail").GetString());
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task HttpTrigger_ExceptionTheAppDoesNotMap_IsABare500WithoutDetails()
    {
        await using var host = await SampleHost.StartAsync(azurite);

        using var response = await host.Http.GetAsync("sample/crash");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.DoesNotContain("secret", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task HttpTrigger_FromBodyParameterAndIResultReturn_AreBoundAndExecuted()
    {
        await using var host = await SampleHost.StartAsync(azurite);

        using var response = await host.Http.PostAsJsonAsync("sample/orders", new { id = "o-1", total = 41.5m });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("/orders/o-1", response.Headers.Location?.ToString());
        var order = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(42.5m, order.GetProperty("total").GetDecimal());
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task HttpTrigger_WrongMethod_DoesNotInvokeTheFunction()
    {
        await using var host = await SampleHost.StartAsync(azurite);

        using var response = await host.Http.PostAsync("sample/refuse", content: null);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.False(response.Headers.Contains("x-invocation-id"));
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task HttpTrigger_MultiOutputResult_WritesTheHttpResultAndTheQueueMessage()
    {
        await using var host = await SampleHost.StartAsync(azurite);

        using var response = await host.Http.PostAsync("sample/receipts/r-7", content: null);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var message = (await host.Queue("ReceiptsQueue").ReceiveMessageAsync(cancellationToken: AzuriteFixture.TestTimeout())).Value;
        Assert.Equal("receipt r-7", message.Body.ToString());
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task Host_ListensOnLoopbackOnly_AndSkipsTriggersItDoesNotServe()
    {
        await using var host = await SampleHost.StartAsync(azurite);

        Assert.Equal("127.0.0.1", host.Host.BaseAddress.Host);
        var skipped = Assert.Single(host.Host.Catalog.Skipped);
        Assert.Equal("Nightly", skipped.Name);
        Assert.Contains("TimerTrigger", skipped.Reason, StringComparison.Ordinal);
        Assert.Contains(host.Host.Catalog.Functions, f => f.Name == "Record" && f.Trigger is QueueFunctionTrigger { QueueName: "%RecordQueue%" });
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task Settings_LocalSettingsOverSampleDefaults_CommandLineOverBoth_WithDoubleUnderscoreSections()
    {
        const string sample = """{ "Values": { "Sample__Greeting": "from sample", "Sample__Farewell": "bye from sample" } }""";
        const string local = """{ "IsEncrypted": false, "Values": { "Sample__Greeting": "from local", "Sample__Name": "from local" } }""";
        await using var host = await SampleHost.StartAsync(azurite, localSettings: local, sampleSettings: sample,
            arguments: "--Sample:Name=from command line");

        Assert.Equal("from local", await host.Http.GetStringAsync("sample/settings/Sample__Greeting"));
        Assert.Equal("bye from sample", await host.Http.GetStringAsync("sample/settings/Sample__Farewell"));
        Assert.Equal("from command line", await host.Http.GetStringAsync("sample/settings/Sample__Name"));
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task Settings_RoutePrefixOverriddenByAzureFunctionsJobHostSetting_MovesTheRoutes()
    {
        const string local = """{ "Values": { "AzureFunctionsJobHost__extensions__http__routePrefix": "v2" } }""";
        await using var host = await SampleHost.StartAsync(azurite, localSettings: local);

        Assert.Equal("pong", await host.Http.GetStringAsync("v2/Ping"));
        Assert.Equal(HttpStatusCode.NotFound, (await host.Http.GetAsync("sample/Ping")).StatusCode);
    }
}
