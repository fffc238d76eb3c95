using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Errors;
using Serverless.Functions.Http;
using Serverless.Functions.Queues;
using Serverless.Functions.Tests.Support;
using Serverless.Packages;
using Serverless.Testing;

namespace Serverless.Functions.Tests;

[Collection(AzuriteCollection.Name)]
public sealed class VariantSelectionTests(AzuriteFixture azurite)
{
    /// <summary>Publishes as an upload without a manifest, so publish makes and gates the int8 variant.</summary>
    private static Task PublishUploadAsync(FunctionTestHost host, Func<string, string> write) =>
        host.PublishAsync("spam", dir =>
        {
            write(dir);
            File.Delete(Path.Combine(dir, PackageFiles.Manifest));
            return dir;
        });

    private static Task<TestResponse> ClassifyAsync(FunctionTestHost host, string body)
    {
        var function = host.Function<ClassifyFunction>();
        return host.InvokeAsync("Classify", "POST", "/api/classify", body, request => function.Run(request, AzuriteFixture.TestTimeout()));
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task Classify_VersionWithInt8_AnswersWithInt8ByDefaultFp32WhenAskedAndHealthSaysWhich()
    {
        await using var host = new FunctionTestHost(azurite);
        await PublishUploadAsync(host, dir => TinyModels.WriteKeywordClassifierPackage(dir));

        var byDefault = await ClassifyAsync(host, """{"text":"click here for free money now","version":"1"}""");
        var fp32 = await ClassifyAsync(host, """{"text":"click here for free money now","version":"1","variant":"fp32"}""");
        var health = host.Function<HealthFunctions>();
        var ready = await host.InvokeAsync("Health", "GET", "/api/health", null, request => Task.FromResult(health.Ready(request)));

        Assert.Equal(200, byDefault.Status);
        Assert.Equal("int8", byDefault.Json.GetProperty("variant").GetString());
        Assert.Equal("spam", byDefault.Json.GetProperty("results")[0].GetProperty("label").GetString());
        Assert.Equal(200, fp32.Status);
        Assert.Equal("fp32", fp32.Json.GetProperty("variant").GetString());
        Assert.Equal("spam", fp32.Json.GetProperty("results")[0].GetProperty("label").GetString());
        var model = Assert.Single(ready.Json.GetProperty("models").EnumerateArray());
        Assert.Equal("int8", model.GetProperty("variant").GetString());
        Assert.Equal(["int8", "fp32"], model.GetProperty("variants").EnumerateArray().Select(v => v.GetString()));
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task Classify_Int8OfAVersionWithoutIt_Is404VariantNotFound()
    {
        await using var host = new FunctionTestHost(azurite);
        await host.PublishAsync("spam", dir => TinyModels.WriteKeywordClassifierPackage(dir));

        var response = await ClassifyAsync(host, """{"text":"hello","version":"1","variant":"int8"}""");
        var fp32 = await ClassifyAsync(host, """{"text":"hello","version":"1"}""");

        Assert.True(response.Status == 404, response.Body);
        Assert.Equal(ServiceException.TypePrefix + "variant-not-found", response.Json.GetProperty("type").GetString());
        Assert.Contains("fp32", response.Json.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("fp32", fp32.Json.GetProperty("variant").GetString());
    }

    [Theory(Timeout = AzuriteFixture.TestTimeoutMs)]
    [InlineData("""{"text":"hello","variant":"fp16"}""")]
    [InlineData("""{"text":"hello","variant":"INT8"}""")]
    [InlineData("""{"text":"hello","variant":8}""")]
    public async Task Classify_UnknownVariant_Is400InvalidVariantNamingTheAllowedValues(string body)
    {
        await using var host = new FunctionTestHost(azurite);

        var response = await ClassifyAsync(host, body);

        Assert.True(response.Status == 400, response.Body);
        Assert.Equal(ServiceException.TypePrefix + "invalid-variant", response.Json.GetProperty("type").GetString());
        Assert.Contains("\"int8\"", response.Json.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task Classify_AppSettingNamesFp32_AnswersWithFp32UnlessTheRequestAsksForInt8()
    {
        await using var host = new FunctionTestHost(azurite, new Dictionary<string, string?> { ["Serving:Variants:spam"] = "fp32" });
        await PublishUploadAsync(host, dir => TinyModels.WriteKeywordClassifierPackage(dir));

        var byDefault = await ClassifyAsync(host, """{"text":"hello","version":"1"}""");
        var int8 = await ClassifyAsync(host, """{"text":"hello","version":"1","variant":"int8"}""");

        Assert.Equal("fp32", byDefault.Json.GetProperty("variant").GetString());
        Assert.Equal("int8", int8.Json.GetProperty("variant").GetString());
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task QueueMessage_Variant_IsServedAndNamedInTheResult_AndOneTheVersionLacksIsAnErrorResult()
    {
        await using var host = new FunctionTestHost(azurite);
        await host.PublishAsync("spam", dir => TinyModels.WriteKeywordClassifierPackage(dir));
        var processor = host.Services.GetRequiredService<ClassifyQueueProcessor>();

        await processor.ProcessAsync("""{"id":"v-1","text":"free money","version":"1","variant":"fp32"}""", 1, AzuriteFixture.TestTimeout());
        await processor.ProcessAsync("""{"id":"v-2","text":"free money","version":"1","variant":"int8"}""", 1, AzuriteFixture.TestTimeout());

        var answers = (await host.ReceiveAsync(host.ResultsQueue, count: 2)).Select(m => JsonDocument.Parse(m).RootElement).ToDictionary(a => a.GetProperty("id").GetString()!);
        Assert.Equal("fp32", answers["v-1"].GetProperty("variant").GetString());
        Assert.Equal("spam", answers["v-1"].GetProperty("results")[0].GetProperty("label").GetString());
        Assert.Equal(ServiceException.TypePrefix + "variant-not-found", answers["v-2"].GetProperty("error").GetProperty("type").GetString());
    }
}
