using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Serverless.Functions.Queues;
using Serverless.Functions.Tests.Support;
using Serverless.Options;
using Serverless.Serving;
using Serverless.Testing;

namespace Serverless.Functions.Tests;

[Collection(AzuriteCollection.Name)]
public sealed class CompositionTests(AzuriteFixture azurite)
{
    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task StartedHost_PreloadsTheDefaultModel_SoReadinessNeedsNoRequest()
    {
        await using var publisher = new FunctionTestHost(azurite);
        await publisher.PublishAsync("spam", dir => TinyModels.WriteKeywordClassifierPackage(dir));
        await publisher.Registry.SetAliasAsync("spam", "production", "1", AzuriteFixture.TestTimeout());

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddConfiguration(publisher.Configuration);
        builder.Services.AddServerlessFunctions(builder.Configuration);
        using var host = builder.Build();
        await host.StartAsync(AzuriteFixture.TestTimeout());
        try
        {
            var models = host.Services.GetRequiredService<ServedModels>();
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (models.Loaded.Count == 0 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }

            var loaded = Assert.Single(models.Loaded);
            Assert.Equal(("spam", "1"), (loaded.Name, loaded.Version));
        }
        finally
        {
            await host.StopAsync(AzuriteFixture.TestTimeout());
        }
    }

    [Fact]
    public void Options_ComeFromTheAppSettingsAndHostJson()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
            ["ClassifyResultsQueue"] = "answers",
            ["Queues:ReplyToAllowList:0"] = "answers-*",
        }).Build();
        using var services = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(configuration)
            .AddServerlessFunctions(configuration).BuildServiceProvider();

        var queues = services.GetRequiredService<IOptions<QueueOptions>>().Value;
        Assert.Equal("answers", queues.Results);
        Assert.Equal(["answers-*"], queues.ReplyToAllowList);
        Assert.Equal(5, services.GetRequiredService<IOptions<QueueRetryOptions>>().Value.MaxDequeueCount);
    }
}
